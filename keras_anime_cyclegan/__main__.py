import sys

from keras_anime_cyclegan.cli import main

sys.exit(main())
