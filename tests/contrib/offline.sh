# SPDX-License-Identifier: GPL-2.0-only
# Offline checks of contrib/ (no root, no kernel): functions offline_*,
# run from the top of the tree; a non-zero exit fails with the output.
