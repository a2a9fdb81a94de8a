"""flaskoidc, hardened for a browser-facing Amundsen frontend, with optional sign-out at the IdP.

The FlaskOIDC class here is flaskoidc's Flask app with three changes:

* Requests may not bring their own token. flaskoidc accepts any ``Authorization: Bearer <JSON>``
  header or ``access_token`` parameter whose ``expires_at`` lies in the future, with no signature
  check, and forwards it to metadata and search as if a user had signed in. Browsers never send
  one, so the frontend treats such a request like any other and requires a signed-in session.
* The session cookie is marked Secure when the frontend is served over https
  (FLASK_OIDC_FORCE_SCHEME), and SameSite=Lax, which still lets the IdP's redirect carry it.
* Replicas starting together on an empty token store may both try to create flaskoidc's table;
  the one that loses sees "already exists", which is what it wanted, instead of failing to start.
* With AMUNDSEN_SSO_LOGOUT=idp, /logout does flaskoidc's local clean-up and then sends the browser
  to the provider's ``end_session_endpoint`` (OpenID Connect RP-Initiated Logout 1.0), which ends
  the provider's session too and returns to AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI. With ``local``
  (the default), /logout is flaskoidc's: the provider's session stays open.

Use it with FLASK_APP_MODULE_NAME=amundsen_sso, FLASK_APP_CLASS_NAME=FlaskOIDC and this file's
folder on PYTHONPATH. Written for Python 3.8 and flaskoidc 1.1.
"""
import os
from contextlib import contextmanager
from urllib.parse import urlencode

import flask_sqlalchemy
import flaskoidc
from flask import redirect, request, session, url_for
from sqlalchemy.exc import DatabaseError

LOGOUT_ENV = "AMUNDSEN_SSO_LOGOUT"
POST_LOGOUT_REDIRECT_URI_ENV = "AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI"

# The raw ID token, kept in the (signed) session cookie from sign-in until sign-out, where the
# provider needs it as id_token_hint to know whose session to end. flaskoidc already keeps the
# token's claims in the same cookie.
ID_TOKEN_SESSION_KEY = "amundsen_sso_id_token"


class FlaskOIDC(flaskoidc.FlaskOIDC):
    """flaskoidc's Flask app for browsers: session logins only, Secure cookies, optional IdP logout."""

    def __init__(self, *args, **kwargs):
        with _table_creation_tolerating_other_replicas():
            super().__init__(*args, **kwargs)
        self.config["SESSION_COOKIE_SECURE"] = self.config.get("SCHEME") == "https"
        self.config["SESSION_COOKIE_SAMESITE"] = "Lax"

        # Checked at start-up, so a wrong setting stops the pod instead of breaking sign-out.
        mode = os.environ.get(LOGOUT_ENV, "local")
        if mode not in ("local", "idp"):
            raise RuntimeError("%s must be local or idp, not %r" % (LOGOUT_ENV, mode))
        if mode == "idp":
            self.post_logout_redirect_uri = os.environ.get(POST_LOGOUT_REDIRECT_URI_ENV, "")
            if not self.post_logout_redirect_uri:
                raise RuntimeError(POST_LOGOUT_REDIRECT_URI_ENV + " must be set when " + LOGOUT_ENV + "=idp")
            self._keep_id_token_at_callback()
            local_logout = self.view_functions["logout"]
            self.view_functions["logout"] = lambda: self._logout(local_logout)

    def _before_request(self):
        if not _carries_request_token() or self._whitelisted():
            return super()._before_request()
        # A request-supplied token proves nothing; only the session's stored token counts.
        try:
            self.auth_client.token
        except Exception:  # flaskoidc raises LoginRequiredError, or whatever a failed refresh raised
            return redirect(url_for("logout", _external=True))
        return None

    def _whitelisted(self):
        # flaskoidc's own rule: configured endpoints plus its login, logout and callback routes.
        allowed = self.config.get("WHITELISTED_ENDPOINTS", "").split(",")
        allowed += ["login", "logout", self.config.get("REDIRECT_URI", "").strip("/")]
        return request.path.strip("/") in allowed or request.endpoint in allowed

    def _keep_id_token_at_callback(self):
        # flaskoidc's callback view stores only the access and refresh tokens, so catch the ID token
        # on its way through the one call that returns it.
        fetch_tokens = self.auth_client.authorize_access_token

        def authorize_access_token(**kwargs):
            token = fetch_tokens(**kwargs)
            session[ID_TOKEN_SESSION_KEY] = token.get("id_token")
            return token

        self.auth_client.authorize_access_token = authorize_access_token

    def _logout(self, local_logout):
        id_token = session.pop(ID_TOKEN_SESSION_KEY, None)
        # flaskoidc itself sends requests whose tokens are gone or expired to /logout. Those users
        # did not ask to sign out, so only a user who still holds tokens leaves the provider too.
        asked_to_sign_out = self._holds_tokens()
        response = local_logout()
        end_session_endpoint = self.auth_client.load_server_metadata().get("end_session_endpoint")
        if not (id_token and asked_to_sign_out and end_session_endpoint):
            return response
        query = urlencode(
            {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": self.post_logout_redirect_uri,
                "client_id": self.auth_client.client_id,
            }
        )
        separator = "&" if "?" in end_session_endpoint else "?"
        return redirect(end_session_endpoint + separator + query)

    def _holds_tokens(self):
        try:
            return bool(self.auth_client.token)
        except Exception:  # flaskoidc raises LoginRequiredError, or whatever a failed refresh raised
            return False


@contextmanager
def _table_creation_tolerating_other_replicas():
    # flaskoidc creates its token table while the app is built. Two replicas can both see no table
    # and both create it; the database refuses the second with "already exists" (Postgres may say
    # "duplicate key" on its type catalogue instead). Checking again then finds the table.
    create_all = flask_sqlalchemy.SQLAlchemy.create_all

    def create_all_once(db, *args, **kwargs):
        try:
            return create_all(db, *args, **kwargs)
        except DatabaseError as error:
            if "already exists" not in str(error) and "duplicate key" not in str(error):
                raise
            return create_all(db, *args, **kwargs)

    flask_sqlalchemy.SQLAlchemy.create_all = create_all_once
    try:
        yield
    finally:
        flask_sqlalchemy.SQLAlchemy.create_all = create_all


def _carries_request_token():
    authorization = request.headers.get("Authorization", "")
    return (
        authorization.startswith("Bearer ")
        or "access_token" in request.args
        or (request.form is not None and "access_token" in request.form)
    )
