#!/usr/bin/env bash
# Set up everything liandong needs on a fresh Debian machine (run as root).
#   scripts/setup.sh          runtime: fonts, HarfBuzz subsetter, poppler, Python venv in .venv
#   scripts/setup.sh --test   also what the test suite needs: Chromium, Java + Nu Html Checker, axe-core
# Idempotent: steps already done are skipped, so it is cheap to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TESTS=0
[ "${1:-}" = "--test" ] && WITH_TESTS=1

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
need_apt() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $APT_UPDATED = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Fonts: Noto CJK (宋/黑), AR PL UKai (楷), Liberation (Latin digits); libharfbuzz-subset0 makes
# WeasyPrint subset CJK fonts ~10x faster and reproducibly; poppler-utils for pdftotext/pdffonts.
need_apt fonts-noto-cjk fonts-arphic-ukai fonts-liberation2 libharfbuzz-subset0 poppler-utils \
         fontconfig python3-venv ca-certificates

# Fandol (仿宋/楷/黑/宋) ships only inside texlive-lang-chinese; take the OTF files without a TeX install.
FANDOL_DIR=/usr/local/share/fonts/fandol
if [ ! -f "$FANDOL_DIR/FandolFang-Regular.otf" ]; then
  [ $APT_UPDATED = 0 ] && { apt-get update -qq; APT_UPDATED=1; }
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq texlive-lang-chinese && dpkg-deb -x texlive-lang-chinese_*.deb x)
  mkdir -p "$FANDOL_DIR"
  find "$tmp/x" -name 'Fandol*-*.otf' ! -name 'FandolBraille*' -exec cp {} "$FANDOL_DIR/" \;
  rm -rf "$tmp"
  fc-cache -f "$FANDOL_DIR" >/dev/null
fi

if [ $WITH_TESTS = 1 ]; then
  need_apt chromium
  command -v java >/dev/null || need_apt default-jre-headless
  command -v npm >/dev/null || need_apt npm
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if [ $WITH_TESTS = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
  # From the npm registry, kept out of git under .tools/: the Nu Html Checker (vnu.jar), and
  # axe-core, the accessibility rules the browser tests inject into pages.
  if [ ! -f .tools/node_modules/vnu-jar/build/dist/vnu.jar ] || [ ! -f .tools/node_modules/axe-core/axe.min.js ]; then
    mkdir -p .tools && npm install -s --prefix .tools --no-audit --no-fund vnu-jar@26 axe-core@4.14 >/dev/null
  fi
else
  .venv/bin/python -m pip install -q -e .
fi
echo "liandong 环境已就绪：.venv/bin/liandong"
