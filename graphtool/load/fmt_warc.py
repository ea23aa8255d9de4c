"""Web archives (WARC, plain or gzipped, read with ``warcio``): archived pages as Articles.

Each ``response`` (or ``resource``) record holding an HTML page gives:

- a ``Source`` ``warc:<record uuid>`` (kind ``archive``): the page URL, the capture time
  (``WARC-Date``), the SHA-256 of the payload and the record's own ``WARC-Payload-Digest``,
  which is checked against the payload (a mismatch means a truncated or altered record);
- an ``Article`` ``<platform>:<url>`` (platform from the host: mp.weixin.qq.com is
  ``wechat``, weibo.com ``weibo``...; other sites ``web``), its text extracted with
  ``trafilatura`` (boilerplate removed), title, language and date from the page's metadata
  (never a date after the capture), citing that Source;
- for plain websites, the site as an ``Account`` ``web:<host>`` that ``PUBLISHED`` it.

Request, metadata, warcinfo and revisit records carry no page and are passed over; any
other record that is not an HTML page with status 2xx is rejected with the reason.
"""
from __future__ import annotations

import hashlib
import re
import sys
import zlib
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from . import register
from .records import FieldError, Origin, Reject, iso, node_record, parse_time, rel_record

EXTENSIONS = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_RECORDS = ("response", "resource")
MAX_PAGE_BYTES = 32 * 1024 * 1024  # a larger "page" is not an article

# Hosts of the platforms the model knows; anything else is the open web.
HOSTS = {"mp.weixin.qq.com": "wechat", "weixin.qq.com": "wechat", "weibo.com": "weibo", "weibo.cn": "weibo",
         "douyin.com": "douyin", "iesdouyin.com": "douyin", "bilibili.com": "bilibili", "ixigua.com": "xigua",
         "twitter.com": "x", "x.com": "x", "facebook.com": "facebook", "youtube.com": "youtube",
         "t.me": "telegram", "tiktok.com": "tiktok"}


def sniff(path: Path) -> bool:
    return Path(path).name.lower().endswith(EXTENSIONS)


def platform_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    while host:
        if host in HOSTS:
            return HOSTS[host]
        host = host.partition(".")[2] if host.count(".") > 1 else ""
    return "web"


def _content_type(record) -> str:
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    value = headers.get_header("Content-Type") or ""
    return value.split(";")[0].strip().lower()


_HTML_LANG = re.compile(rb"<html[^>]*?\slang=[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)", re.IGNORECASE)


def _html_lang(html: bytes) -> str | None:
    """The page's declared language (``<html lang="zh-CN">``); trafilatura does not keep it."""
    found = _HTML_LANG.search(html[:4096])
    return found.group(1).decode("ascii") if found else None


def _extract(html: bytes, url: str, captured_ts: int):
    import trafilatura

    # max_date = the capture: a page cannot have been published after it was archived.
    params = {"original_date": True, "extensive_search": False, "max_date": iso(captured_ts)[:10]}
    return trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                       date_extraction_params=params)


def _page(record, path: Path, number: int, default_sources: list[str]) -> list:
    """The records of one page record; raises FieldError with the reason it is not a page."""
    headers = record.rec_headers
    url = (headers.get_header("WARC-Target-URI") or "").strip("<> ")
    if not url:
        raise FieldError("WARC-Target-URI", "the record names no URL")
    ctype = _content_type(record)
    if ctype not in HTML_TYPES:
        raise FieldError("Content-Type", f"not an HTML page ({ctype or 'no content type'})")
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            raise FieldError("status", f"HTTP {status}: not a page (a redirect or an error)")
    payload = record.content_stream().read(MAX_PAGE_BYTES + 1)
    if len(payload) > MAX_PAGE_BYTES:
        raise FieldError("payload", f"larger than {MAX_PAGE_BYTES >> 20} MiB")
    record.raw_stream.read()  # to the end, so that the digest check sees every byte
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise FieldError("payload", f"truncated: the last {missing} bytes of the record are missing")
    checker = getattr(record, "digest_checker", None)
    if checker is not None and checker.passed is False:
        raise FieldError("WARC-Payload-Digest", "does not match the payload (a truncated or altered record)")
    try:
        captured_ts = parse_time(headers.get_header("WARC-Date") or "")
    except ValueError:
        raise FieldError("WARC-Date", f"{headers.get_header('WARC-Date')!r} is not a time") from None
    record_id = (headers.get_header("WARC-Record-ID") or "").strip("<>").removeprefix("urn:uuid:")
    sha256 = hashlib.sha256(payload).hexdigest()
    origin = Origin(str(path), number)
    doc = _extract(payload, url, captured_ts) if payload.strip() else None
    text = (doc.text or "").strip() if doc is not None else ""
    if not text:
        raise FieldError("payload", "no article text could be extracted from the page")
    source = node_record("Source", {
        "id": f"warc:{record_id or sha256[:32]}", "kind": "archive", "url": url, "captured_at": captured_ts,
        "sha256": sha256, "digest": headers.get_header("WARC-Payload-Digest"),
        "title": f"capture of {url}"[:500]}, origin)
    sources = [*default_sources, source.id]
    platform = platform_of(url)
    lang = getattr(doc, "language", None) or _html_lang(payload)
    article = node_record("Article", {
        "id": f"{platform}:{url}", "platform": platform, "url": url, "title": doc.title, "text": text,
        "lang": lang if lang and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang) else None,
        "published_at": doc.date, "sources": sources}, origin)
    out = [source, article]
    if platform == "web":
        host = urlsplit(url).hostname or ""
        site = node_record("Account", {"platform": "web", "handle": host, "display_name": doc.sitename,
                                       "url": f"{urlsplit(url).scheme}://{host}/", "sources": sources}, origin)
        out += [site, rel_record("PUBLISHED", {"src": site.id, "dst": article.id, "src_label": "Account",
                                               "sources": sources}, origin)]
    for record_out in out:
        record_out.props.setdefault("sources", list(default_sources))
    return out


def _tolerate_missing_uri(loader) -> None:
    """warcio raises AttributeError on a record without WARC-Target-URI before we see it; read such
    a record without HTTP headers instead, so that it becomes a reject and the next record loads."""
    parse = loader.load_http_headers
    loader.load_http_headers = lambda rec_type, uri, stream, length: parse(rec_type, uri or "", stream, length)


def read(path: Path, default_sources: list[str] | None = None) -> Iterator:
    """Validated records and rejects from one WARC file; the line of a reject is the record's number."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    damage = (ArchiveLoadFailed, EOFError, zlib.error, OSError)  # the archive is broken from here on
    path = Path(path)
    default_sources = list(default_sources or [])
    number = offset = 0
    with path.open("rb") as handle:
        records = ArchiveIterator(handle, check_digests=True)
        _tolerate_missing_uri(records.loader)
        iterator = iter(records)
        while True:
            try:
                record = next(iterator, None)
                if record is None:
                    return
                number += 1
                if record.rec_type not in PAGE_RECORDS:
                    continue
                try:
                    out = _page(record, path, number, default_sources)
                finally:
                    offset = records.get_record_offset()  # reads the record to its end: call it after
            except FieldError as exc:
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                yield Reject(str(path), number, exc.field, f"{exc.reason} (record at byte {offset})", uri)
                continue
            except damage as exc:
                yield Reject(str(path), number, "", f"damaged or truncated archive at record {number} "
                             f"(byte {offset}): {type(exc).__name__}: {str(exc)[:200]}")
                return
            yield from out


register("warc", sys.modules[__name__])
