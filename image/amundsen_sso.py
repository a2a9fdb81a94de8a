"""Sign-out at the identity provider for Amundsen's flaskoidc login.

flaskoidc's /logout forgets the user only inside Amundsen: it deletes the user's stored tokens and
the session, then sends the browser to /login, where the identity provider's still-open session
signs the user straight back in. The FlaskOIDC class here does the same clean-up and then sends the
browser to the provider's ``end_session_endpoint`` (OpenID Connect RP-Initiated Logout 1.0), which
ends the provider's session too and returns the browser to AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI.

Use it with FLASK_APP_MODULE_NAME=amundsen_sso and FLASK_APP_CLASS_NAME=FlaskOIDC, this file's
folder on PYTHONPATH, and AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI set to a URI registered with the
provider (Okta: the app's sign-out redirect URIs). Written for Python 3.8 and flaskoidc 1.1.
"""
import os
from urllib.parse import urlencode

import flaskoidc
from flask import redirect, session

POST_LOGOUT_REDIRECT_URI_ENV = "AMUNDSEN_SSO_POST_LOGOUT_REDIRECT_URI"

# The raw ID token, kept in the (signed) session cookie from sign-in until sign-out, where the
# provider needs it as id_token_hint to know whose session to end. flaskoidc already keeps the
# token's claims in the same cookie.
ID_TOKEN_SESSION_KEY = "amundsen_sso_id_token"


class FlaskOIDC(flaskoidc.FlaskOIDC):
    """flaskoidc's Flask app, whose /logout also ends the session at the identity provider."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked at start-up, so a missing setting stops the pod instead of breaking sign-out.
        self.post_logout_redirect_uri = os.environ.get(POST_LOGOUT_REDIRECT_URI_ENV, "")
        if not self.post_logout_redirect_uri:
            raise RuntimeError(POST_LOGOUT_REDIRECT_URI_ENV + " must be set when amundsen_sso is used")
        self._keep_id_token_at_callback()
        local_logout = self.view_functions["logout"]
        self.view_functions["logout"] = lambda: self._logout(local_logout)

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
