"""extract_article: bytes + headers in, the article (and only it) out, dated on its own day."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime

import pytest

from tipsheet.connectors.extract import ExtractionError, decode_html, extract_article
from tipsheet.core.errors import TipsheetError

FETCHED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

PARAGRAPHS = [
    "Northwind Robotics said on Tuesday that it had closed a funding round of forty million "
    "dollars led by Harbor Lane Capital, money it will spend on its warehouse picking arms.",
    "The company, founded in 2019 in Rotterdam, now employs about two hundred people and "
    "plans to open an office in Lyon next spring, its chief executive told reporters.",
    "Analysts said the round valued the business at roughly three hundred million dollars, "
    "well above the figure of its previous raise, as demand for automation keeps growing.",
]


def page(
    body_html: str = "",
    head: str = "",
    title: str = "Northwind Robotics raises $40m",
    lang: str = "en",
) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head>{head}<title>{title} | Daily Wire Co'
        f"</title></head><body>"
        f"{body_html or f'<article><h1>{title}</h1>{paragraphs}</article>'}"
        "</body></html>"
    )


def test_furniture_is_left_out():
    html = (
        "<!DOCTYPE html><html lang='en'><head><title>Northwind Robotics raises $40m | Daily"
        " Wire Co</title></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/tech'>Technology news</a></li>"
        "<li><a href='/biz'>Business and markets</a></li></ul></nav>"
        "<div id='cookie-banner' class='cookie-consent'>We use cookies to improve your "
        "experience. Accept all cookies or manage your preferences.</div>"
        "<article><h1>Northwind Robotics raises $40m</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article>"
        "<aside class='related'><h3>Related stories</h3><ul>"
        "<li><a href='/a'>Ten gadgets our editors loved this winter season</a></li>"
        "<li><a href='/b'>Why everybody is suddenly talking about the tiny house</a></li>"
        "</ul></aside>"
        "<footer><p>© 2024 Daily Wire Co. All rights reserved. Terms of use. Privacy.</p>"
        "</footer></body></html>"
    )
    art = extract_article(html.encode(), "https://news.example/a", "text/html; charset=utf-8")
    assert "forty million" in art.text and "automation keeps growing" in art.text
    for furniture in ("cookies", "Technology news", "Ten gadgets", "All rights reserved"):
        assert furniture not in art.text
    assert art.title == "Northwind Robotics raises $40m"
    assert art.language == "en"


def test_undeclared_latin1_is_detected():
    html = page(
        body_html="<article>"
        + "".join(f"<p>{p} Café crème, naïve façade, Zürich à côté.</p>" for p in PARAGRAPHS)
        + "</article>"
    )
    body = html.encode("latin-1")
    art = extract_article(body, "https://news.example/b", "text/html")
    assert "Café crème, naïve façade, Zürich" in art.text


def test_wrongly_declared_utf8_falls_back_to_detection():
    html = page(
        body_html="<article>"
        + "".join(f"<p>{p} Les élèves ont été très étonnés à Genève.</p>" for p in PARAGRAPHS)
        + "</article>"
    )
    body = html.encode("cp1252")
    assert decode_html(body, "text/html; charset=utf-8").count("élèves") == 3
    art = extract_article(body, "https://news.example/c", "text/html; charset=UTF-8")
    assert "Les élèves ont été très étonnés à Genève" in art.text


def test_server_default_latin1_over_utf8_page():
    body = page(
        body_html="<article>"
        + "".join(f"<p>{p} – “quoted” naïve</p>" for p in PARAGRAPHS)
        + "</article>"
    ).encode("utf-8")
    assert "“quoted” naïve" in decode_html(body, "text/html; charset=ISO-8859-1")


def test_bom_wins():
    text = page(
        body_html="<article>"
        + "".join(f"<p>{p} Straße über Öl.</p>" for p in PARAGRAPHS)
        + "</article>"
    )
    assert "Straße über Öl" in decode_html(b"\xef\xbb\xbf" + text.encode("utf-8"), None)
    utf16 = b"\xff\xfe" + text.encode("utf-16-le")
    art = extract_article(utf16, "https://news.example/d", "text/html")
    assert "Straße über Öl" in art.text


def test_meta_charset_is_used():
    head = '<meta charset="windows-1251">'
    html = page(
        head=head,
        body_html="<article>"
        + "".join(f"<p>{p} Привет, мир и все новости.</p>" for p in PARAGRAPHS)
        + "</article>",
    )
    art = extract_article(html.encode("cp1251"), "https://news.example/e", "text/html")
    assert "Привет, мир" in art.text
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    html = page(head=http_equiv, body_html="<p>Привет</p>")
    assert "Привет" in decode_html(html.encode("koi8-r"), None)


def test_copyright_footer_is_no_date():
    html = page().replace(
        "</body>", "<footer><p>Copyright © 2021 Daily Wire Co</p></footer></body>"
    )
    art = extract_article(html.encode(), "https://news.example/f", "text/html", FETCHED)
    assert art.published_at is None or art.published_at.year != 2021


def test_future_date_is_rejected():
    head = '<meta property="article:published_time" content="2031-05-04T10:00:00Z">'
    art = extract_article(page(head=head).encode(), "https://news.example/g", None, FETCHED)
    assert art.published_at is None or art.published_at <= FETCHED


def test_date_only_value_stays_on_its_day():
    head = '<meta property="article:published_time" content="2024-02-10">'
    art = extract_article(page(head=head).encode(), "https://news.example/h", None, FETCHED)
    assert art.published_at == datetime(2024, 2, 10, tzinfo=UTC)
    assert art.published_at.tzinfo is not None


def test_offset_datetime_keeps_the_local_day():
    head = '<meta property="article:published_time" content="2024-02-10T22:30:00-05:00">'
    art = extract_article(page(head=head).encode(), "https://news.example/i", None, FETCHED)
    assert art.published_at.date() == date(2024, 2, 10)  # in UTC it is already the 11th
    assert art.published_at == datetime(2024, 2, 11, 3, 30, tzinfo=UTC)


def test_jsonld_date_preferred():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2024-01-15T08:00:00+01:00", "headline": "x"}</script>'
    )
    art = extract_article(page(head=head).encode(), "https://news.example/j", None, FETCHED)
    assert art.published_at.date() == date(2024, 1, 15)


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"%PDF-1.7 binary", "application/pdf", "application/pdf"),
        (b"%PDF-1.7 binary", None, "binary"),
        (b'{"a": 1}', "application/json", "application/json"),
        (b"", "text/html", "empty"),
        (b"<html><body><p>Too short.</p></body></html>", "text/html", "no article text"),
    ],
)
def test_no_article_raises_with_reason(body, content_type, words):
    with pytest.raises(ExtractionError) as err:
        extract_article(body, "https://news.example/k", content_type)
    assert words in err.value.reason
    assert isinstance(err.value, TipsheetError)


def test_language_recorded_for_german():
    german = [
        "Die Firma Nordwind Robotik hat am Dienstag eine Finanzierungsrunde über vierzig "
        "Millionen Euro abgeschlossen, angeführt von einem Hamburger Investor.",
        "Das Unternehmen beschäftigt rund zweihundert Mitarbeiter und will im kommenden "
        "Frühjahr ein Büro in Lyon eröffnen, sagte der Geschäftsführer.",
    ]
    body = (
        "<article><h1>Nordwind sammelt Geld</h1>"
        + "".join(f"<p>{p}</p>" for p in german)
        + "</article>"
    )
    art = extract_article(page(body_html=body, lang="de").encode(), "https://n.example/", None)
    assert art.language == "de"


def test_picklable_for_process_pool():
    assert pickle.loads(pickle.dumps(extract_article)) is extract_article
    err = pickle.loads(pickle.dumps(ExtractionError("not HTML")))
    assert err.reason == "not HTML"
