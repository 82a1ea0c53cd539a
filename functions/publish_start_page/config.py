"""The start page's ``/config.json``: where the page signs in (CONTRACT §11).

Pure: the publisher (deployed) and the local server build the same document with it.
"""

from __future__ import annotations

import re

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")


def site_config(
    region: str, user_pool_id: str, client_id: str, cognito_endpoint: str | None = None
) -> dict[str, str]:
    """The page's configuration: the user pool, its app client, and the URL of the pool's JSON
    API (the region's Cognito endpoint unless another is given, e.g. the local server's)."""
    if not _REGION.match(region):
        raise ValueError(f"not an AWS region: {region!r}")
    if not user_pool_id.startswith(f"{region}_"):
        raise ValueError(f"user pool id {user_pool_id!r} is not of region {region}")
    if not client_id or not client_id.isalnum():
        raise ValueError(f"not an app client id: {client_id!r}")
    endpoint = cognito_endpoint or f"https://cognito-idp.{region}.amazonaws.com/"
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", endpoint) or not endpoint.endswith("/"):
        raise ValueError(f"not an endpoint URL ending in /: {endpoint!r}")
    return {
        "region": region,
        "userPoolId": user_pool_id,
        "clientId": client_id,
        "cognitoEndpoint": endpoint,
    }
