#!/usr/bin/env bash
# Installs what `npm run test:e2e` needs on a fresh Debian machine, as root. Safe to re-run: each
# step checks first, so a warm machine finishes in seconds.
#   - Chromium from Debian's packages (the browser that signs in);
#   - Debian's PostgreSQL server, for the prod stack's token store (tests/e2e/postgres.ts starts a
#     throwaway server of its own with it);
#   - a virtualenv under .cache/e2e/ with the pinned Amundsen frontend, flaskoidc and friends
#     (tests/e2e/python.ts names the packages and the directory, from components/versions.ts);
#   - a stand-in for the web page upstream's image builds with webpack, which PyPI doesn't ship.
set -euo pipefail
cd "$(dirname "$0")/../.."

source scripts/node22.sh >/dev/null
[ -x node_modules/.bin/tsx ] || npm ci --no-audit --no-fund

if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
  apt-get update -qq
  # Its maintainer scripts talk a lot; shown only when the install fails.
  if ! log="$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql 2>&1)"; then
    echo "$log" >&2
    exit 1
  fi
fi

eval "$(node_modules/.bin/tsx tests/e2e/python.ts)"

if [ ! -f "$VENV/$MARKER" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # shellcheck disable=SC2086 # one word per requirement
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $REQUIREMENTS
  "$VENV/bin/pip" check
  touch "$VENV/$MARKER"
  echo "e2e: built $VENV with $("$VENV/bin/python" --version)"
fi

# Only the current venv is kept; the others belong to pins that have since changed.
for old in .cache/e2e/venv-*; do
  [ "$old" -ef "$VENV" ] || rm -rf "$old"
done

templates="$("$VENV/bin/python" -c \
  'import importlib.util as u; print(u.find_spec("amundsen_application").submodule_search_locations[0])'
)/static/dist/templates"
mkdir -p "$templates"
cp tests/e2e/assets/index.html "$templates/index.html"
