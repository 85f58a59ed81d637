"""The evaluation protocol's thresholds, in a module of their own so the command line reads them without
importing torch."""

CONF_THRESH = 0.001  # published-numbers protocol: keep almost every box, let AP's ranking do the rest
NMS_THRESH = 0.65  # the official evaluation's NMS IoU threshold
