# Puts Node.js 22 or later first on PATH. Source it: `source scripts/node22.sh`.
# Uses the Node.js already on PATH when it is new enough; otherwise installs the
# `node` package from the npm registry into .tools/ (no root, no system change).
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_major" -lt 22 ]; then
  if [ ! -x "$_root/.tools/node_modules/.bin/node" ]; then
    npm install --no-save --no-audit --no-fund --prefix "$_root/.tools" node@22.23.3 >/dev/null
  fi
  export PATH="$_root/.tools/node_modules/.bin:$PATH"
fi
echo "using node $(node --version)"
unset _root _major
