"""Google News RSS search URLs (pure: building a URL is not talking to the web)."""

from urllib.parse import urlencode

BASE = "https://news.google.com/rss/search"


def search_url(query: str, language: str = "en-US", country: str = "US") -> str:
    lang = language.split("-")[0]
    params = {"q": query, "hl": language, "gl": country, "ceid": f"{country}:{lang}"}
    return f"{BASE}?{urlencode(params)}"
