"""Build-time check of the patched frontend image.

Usage: python check_image.py NAME==VERSION [NAME==VERSION ...]

Exits non-zero unless each named distribution is installed at exactly that version and the
modules the OIDC login needs can be imported.
"""
import importlib
import sys

try:
    from importlib.metadata import PackageNotFoundError, version
except ImportError:  # Python < 3.8
    from importlib_metadata import PackageNotFoundError, version  # type: ignore

REQUIRED_MODULES = ("amundsen_application", "flaskoidc", "authlib", "flask_sqlalchemy", "psycopg2", "amundsen_sso")


def main(pins):
    problems = []
    for pin in pins:
        name, _, wanted = pin.partition("==")
        try:
            found = version(name)
        except PackageNotFoundError:
            found = None
        if found != wanted:
            problems.append("%s: wanted %s, found %s" % (name, wanted, found or "nothing"))
    for module in REQUIRED_MODULES:
        try:
            importlib.import_module(module)
        except Exception as error:  # noqa: BLE001 - any import failure fails the build
            problems.append("import %s: %s" % (module, error))
    for problem in problems:
        print("check_image: " + problem, file=sys.stderr)
    return 1 if problems or not pins else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
