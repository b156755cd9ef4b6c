#!/usr/bin/env bash
# Installs the two real LZ4-stream peers used by the fixtures and the interop tests:
#   - target/peers/lz4peer        C program on liblz4's streaming API (Debian's liblz4-dev)
#   - .venv-peers/bin/python      a virtualenv with python-lz4 4.4.5 built from source with
#                                 its experimental lz4.stream module (run peers/pylz4_peer.py)
# Idempotent: every step is skipped when its result is already there and working.
# Runs as root on a fresh Debian 12 machine (apt-get is used only when something is missing).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv-peers"
PYTHON="${PYTHON:-python3}"
PYLZ4_VERSION="4.4.5"

apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# 1. liblz4 headers + library (the C peer links against them).
if [ ! -f /usr/include/lz4.h ] || [ ! -f /usr/include/lz4hc.h ]; then
    echo "install.sh: installing liblz4-dev" >&2
    apt_install liblz4-dev
fi
if ! command -v cc >/dev/null 2>&1; then
    echo "install.sh: installing gcc" >&2
    apt_install gcc libc6-dev
fi

# 2. python-lz4 with lz4.stream, in its own virtualenv.
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import lz4.stream, lz4; assert lz4.__version__ == '$PYLZ4_VERSION', lz4.__version__" >/dev/null 2>&1; then
    echo "install.sh: $VENV already has python-lz4 $PYLZ4_VERSION with lz4.stream" >&2
else
    echo "install.sh: building python-lz4 $PYLZ4_VERSION (experimental lz4.stream) into $VENV" >&2
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        # Debian's own python3 needs python3-venv for ensurepip.
        rm -rf "$VENV"
        apt_install python3-venv python3-dev
        "$PYTHON" -m venv "$VENV"
    fi
    # A C compiler and Python.h are needed for the source build.
    if ! "$VENV/bin/python" -c "import sysconfig, os, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')) else 1)"; then
        apt_install python3-dev
    fi
    # PYLZ4_EXPERIMENTAL=TRUE: build the lz4.stream extension (absent from the PyPI wheels).
    # PYLZ4_USE_SYSTEM_LZ4=False: always compile python-lz4's bundled lz4 sources (1.9.4, the
    # same version as Debian 12's liblz4), so the build does not depend on whether pkg-config
    # happens to be installed and the fixtures come out the same on every machine.
    PYLZ4_EXPERIMENTAL=TRUE PYLZ4_USE_SYSTEM_LZ4=False \
        "$VENV/bin/pip" install --disable-pip-version-check --no-binary lz4 --no-cache-dir \
        "lz4==$PYLZ4_VERSION" >&2
    "$VENV/bin/python" -c "import lz4.stream; from lz4.stream import LZ4StreamCompressor, LZ4StreamDecompressor"
fi

# 3. The C peer.
mkdir -p "$REPO/target/peers"
cc -O2 -Wall -Wextra -o "$REPO/target/peers/lz4peer" "$REPO/peers/lz4peer.c" -llz4

echo "C peer:      $REPO/target/peers/lz4peer"
echo "python peer: $VENV/bin/python $REPO/peers/pylz4_peer.py"
