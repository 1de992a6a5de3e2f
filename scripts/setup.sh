#!/usr/bin/env bash
# Set up everything liandong needs on a fresh Debian machine (run as root).
#   scripts/setup.sh          runtime: fonts, HarfBuzz subsetter, poppler, Python venv in .venv
#   scripts/setup.sh --test   also what the test suite needs: Chromium, Java + Nu Html Checker, axe-core
# Idempotent and quiet: steps already done are skipped, and a run with nothing to do prints nothing.
# Whatever it downloads it names first (with its size where apt knows it); when another program
# holds the dpkg lock it says so and waits (up to 10 minutes) instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TESTS=0
[ "${1:-}" = "--test" ] && WITH_TESTS=1

export DEBIAN_FRONTEND=noninteractive
LOCK_TIMEOUT=600
APT_UPDATED=0
DID_SOMETHING=0

say() { echo "$*" >&2; }

# Is any apt/dpkg lock held by another process? (fcntl locks, as dpkg and apt take them)
apt_locked() {
  command -v python3 >/dev/null || return 1
  python3 - <<'EOF'
import fcntl, sys
for path in ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock"):
    try:
        with open(path, "a") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except FileNotFoundError:
        continue
    except OSError:
        sys.exit(0)
sys.exit(1)
EOF
}

# apt-get that waits for other installers; apt itself also waits (DPkg::Lock::Timeout) in case
# another one starts between our check and its own.
apt_get() {
  if apt_locked; then
    say "另一个程序正在使用 apt/dpkg 安装软件，等待它结束（最多 $((LOCK_TIMEOUT / 60)) 分钟）…"
    local waited=0
    while apt_locked && [ $waited -lt $LOCK_TIMEOUT ]; do sleep 2; waited=$((waited + 2)); done
  fi
  apt-get -o DPkg::Lock::Timeout=$LOCK_TIMEOUT "$@"
}

apt_update_once() {
  [ $APT_UPDATED = 1 ] && return 0
  say "正在更新软件包列表（apt-get update）…"
  apt_get update -qq
  APT_UPDATED=1
}

# Megabytes apt would download to install the given packages (0 when all are in its cache).
download_mb() {
  apt-get install -y -qq --no-install-recommends --print-uris "$@" 2>/dev/null \
    | awk '/^\x27/ { bytes += $3 } END { printf "%.0f", bytes / 1048576 }'
}

need_apt() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_update_once
  say "正在下载并安装系统软件包（约 $(download_mb "${missing[@]}") MB，含其依赖）：${missing[*]}"
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  DID_SOMETHING=1
}

# Fonts: Noto CJK (宋/黑), AR PL UKai (楷), Liberation (Latin digits); libharfbuzz-subset0 makes
# WeasyPrint subset CJK fonts ~10x faster and reproducibly; poppler-utils for pdftotext/pdffonts.
need_apt fonts-noto-cjk fonts-arphic-ukai fonts-liberation2 libharfbuzz-subset0 poppler-utils \
         fontconfig python3-venv ca-certificates

# Fandol (仿宋/楷/黑/宋) ships only inside texlive-lang-chinese; take the OTF files without a TeX install.
FANDOL_DIR=/usr/local/share/fonts/fandol
if [ ! -f "$FANDOL_DIR/FandolFang-Regular.otf" ]; then
  apt_update_once
  size=$(apt-cache show --no-all-versions texlive-lang-chinese 2>/dev/null | awk '/^Size:/ { printf "%.0f", $2 / 1048576 }')
  say "正在下载 texlive-lang-chinese（约 ${size:-?} MB），只取出其中的 Fandol 字体（仿宋、楷体、黑体、宋体）…"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt_get download -qq texlive-lang-chinese && dpkg-deb -x texlive-lang-chinese_*.deb x)
  mkdir -p "$FANDOL_DIR"
  find "$tmp/x" -name 'Fandol*-*.otf' ! -name 'FandolBraille*' -exec cp {} "$FANDOL_DIR/" \;
  rm -rf "$tmp"
  fc-cache -f "$FANDOL_DIR" >/dev/null
  DID_SOMETHING=1
fi

if [ $WITH_TESTS = 1 ]; then
  need_apt chromium
  command -v java >/dev/null || need_apt default-jre-headless
  command -v npm >/dev/null || need_apt npm
fi

# Python: liandong installed editable into .venv. pip runs only when the venv is new or
# pyproject.toml changed since the last install (or the test extras are wanted for the first time).
PY=${PYTHON:-python3}
export PIP_ROOT_USER_ACTION=ignore  # root is expected here (a fresh machine, CI)
PIP=(.venv/bin/python -m pip -q --disable-pip-version-check)
if [ ! -x .venv/bin/python ]; then
  say "正在建立 Python 虚拟环境 .venv …"
  "$PY" -m venv .venv
  "${PIP[@]}" install --upgrade pip >/dev/null 2>&1 || true
fi
STAMP=.venv/.liandong-setup
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
installed="$(cat "$STAMP" 2>/dev/null || true)"
up_to_date=0
if [ -x .venv/bin/liandong ] && .venv/bin/python -c 'import liandong' 2>/dev/null; then
  case "$installed" in
    "$wanted test") up_to_date=1 ;;
    "$wanted runtime") [ $WITH_TESTS = 0 ] && up_to_date=1 ;;
  esac
fi
if [ $up_to_date = 0 ]; then
  if [ $WITH_TESTS = 1 ]; then
    say "正在从 PyPI 下载并安装 liandong 的 Python 依赖（WeasyPrint 等）和测试工具（pytest、Playwright 等）到 .venv …"
    "${PIP[@]}" install -e '.[test]'
    echo "$wanted test" > "$STAMP"
  else
    say "正在从 PyPI 下载并安装 liandong 的 Python 依赖（WeasyPrint 等）到 .venv …"
    "${PIP[@]}" install -e .
    echo "$wanted runtime" > "$STAMP"
  fi
  DID_SOMETHING=1
fi

# liandong's own bytecode, as pip writes it for an installed package: an editable install imports
# the sources, and where PYTHONDONTWRITEBYTECODE is set (as in some CI shells) every command compiled
# them again (34 modules for a build, 0.05 s). compileall writes only what is missing or stale, and
# Python ignores (and compiles in memory) a .pyc older than its source.
.venv/bin/python -m compileall -q liandong >/dev/null || true

if [ $WITH_TESTS = 1 ]; then
  # From the npm registry, kept out of git under .tools/: the Nu Html Checker (vnu.jar), and
  # axe-core, the accessibility rules the browser tests inject into pages.
  if [ ! -f .tools/node_modules/vnu-jar/build/dist/vnu.jar ] || [ ! -f .tools/node_modules/axe-core/axe.min.js ]; then
    say "正在从 npm 下载 HTML 校验器（vnu-jar，约 30 MB）和无障碍检查规则（axe-core）到 .tools/ …"
    mkdir -p .tools && npm install -s --prefix .tools --no-audit --no-fund vnu-jar@26 axe-core@4.14 >/dev/null
    DID_SOMETHING=1
  fi
fi

if [ $DID_SOMETHING = 1 ]; then
  say "liandong 环境已就绪：运行 .venv/bin/liandong，或先运行 source .venv/bin/activate 后直接输入 liandong。"
fi
