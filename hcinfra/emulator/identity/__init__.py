"""The identity service: OAuth2 client credentials and the OpenID configuration."""
