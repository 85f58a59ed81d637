"""``python -m yolox_edu.train`` / ``torchrun --nproc_per_node N -m yolox_edu.train --preset yolox-s ...``

The same options as ``yolox-edu train``."""

import sys

from yolox_edu.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
