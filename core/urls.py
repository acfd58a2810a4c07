"""URL identity: one canonical form per story, so the same article is stored once.

Conservative on purpose: only changes that never point to a different page (case of scheme
and host, default ports, fragments, tracking parameters, query order) are made.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Parameters that only say how a reader arrived, never which page they asked for.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "wt.mc_id",
        "s_kwcid",
        "ncid",
        "sr_share",
        "cmpid",
        "ocid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "piwik_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(segment: str) -> bool:
    key = unquote_plus(segment.split("=", 1)[0]).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """The canonical form of an http(s) URL; anything else comes back stripped, unchanged."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            return text
        host = parts.hostname.rstrip(".")  # already lowercased by urlsplit
        if ":" in host:  # an IPv6 literal keeps its brackets
            host = f"[{host}]"
        port = parts.port
    except ValueError:  # invalid IPv6 literal or port: not a URL we can normalise
        return text
    netloc = host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    # Raw segments are kept byte for byte (no re-encoding), only filtered and sorted.
    segments = sorted(s for s in parts.query.split("&") if s and not _is_tracking(s))
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, "&".join(segments), ""))


def article_id(url: str) -> str:
    """A stable 16-hex id of the canonical URL."""
    return hashlib.sha1(canonicalize(url).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def host_of(url: str) -> str:
    """The lowercased host name of a URL ('' when it has none)."""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""
