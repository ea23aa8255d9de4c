"""The Starlette app of ``graphtool serve``: routes, login, sessions, roles, CSRF, security headers.

Every route is declared with the role it needs (:func:`_routes`); only ``/login`` and its style
sheet are public.  Pages redirect an unauthenticated browser to the login page; ``/api/`` answers
401.  Sessions live in the server (the cookie holds a random id: HttpOnly, SameSite=Strict,
Secure over https); every POST carries the session's CSRF token; logins are rate-limited per
address and per name.  Scripts use ``Authorization: Bearer TOKEN`` (``graphtool users token``).
"""
from __future__ import annotations

import csv
import inspect
import io
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__, model
from ..errors import GraphtoolError, NotFoundError, QueryError
from ..store.base import redact
from ..queries import adhoc_query, load_queries, param_lines, run_query
from . import ROLES, data, pages, role_at_least
from .audit import AuditLog
from .users import Users

HERE = Path(__file__).resolve().parent
COOKIE = "graphtool_session"
SESSION_IDLE_S = 8 * 3600
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"), (b"cache-control", b"no-store")]
PUBLIC = {"/login", "/login.css"}
ADHOC_TIMEOUT_S = 30.0


@dataclass
class Session:
    user: str
    csrf: str
    seen: float = field(default_factory=time.monotonic)


class LoginLimiter:
    """Failed logins per address and per name in a sliding window; past the limit, wait."""

    def __init__(self, window_s: float = 900, per_address: int = 20, per_name: int = 5):
        self.window_s, self.limits = window_s, {"address": per_address, "name": per_name}
        self.failures: dict[tuple, deque] = {}
        self.lock = threading.Lock()

    def wait_s(self, address: str, name: str) -> int:
        """Seconds until another try is allowed (0: now)."""
        now = time.monotonic()
        with self.lock:
            wait = 0.0
            for key in (("address", address), ("name", name)):
                q = self.failures.get(key, deque())
                while q and q[0] < now - self.window_s:
                    q.popleft()
                if len(q) >= self.limits[key[0]]:
                    wait = max(wait, q[0] + self.window_s - now)
            return int(wait) + (1 if wait else 0)

    def failed(self, address: str, name: str) -> None:
        with self.lock:
            for key in (("address", address), ("name", name)):
                self.failures.setdefault(key, deque()).append(time.monotonic())

    def succeeded(self, name: str) -> None:
        with self.lock:
            self.failures.pop(("name", name), None)


class Workspace:
    """What the routes share: the store, the users file, the audit log, the sessions."""

    def __init__(self, store, users: Users, audit: AuditLog, secure_cookies: bool | None = None):
        self.store, self.users, self.audit = store, users, audit
        self.secure_cookies = secure_cookies  # None: when the request came over https
        self.sessions: dict[str, Session] = {}
        self.lock = threading.Lock()
        self.limiter = LoginLimiter()
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True))
        self.templates.globals.update(version=__version__, roles=ROLES, role_at_least=role_at_least)

    # --- who is asking ---
    def session_of(self, request: Request) -> tuple[str, Session | None] | None:
        """(user name, session) from the cookie, or (user name, None) from a bearer token."""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            user = self.users.by_token(auth[7:].strip())
            return (user.name, None) if user else None
        sid = request.cookies.get(COOKIE)
        with self.lock:
            session = self.sessions.get(sid) if sid else None
            if session is None:
                return None
            if time.monotonic() - session.seen > SESSION_IDLE_S:
                del self.sessions[sid]
                return None
            session.seen = time.monotonic()
        return session.user, session

    def new_session(self, user: str) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        with self.lock:
            self.sessions[sid] = session = Session(user, secrets.token_urlsafe(32))
        return sid, session

    def end_session(self, request: Request) -> None:
        with self.lock:
            self.sessions.pop(request.cookies.get(COOKIE, ""), None)

    def end_sessions_of(self, user: str) -> None:
        with self.lock:
            for sid in [s for s, v in self.sessions.items() if v.user == user]:
                del self.sessions[sid]

    def record(self, request: Request, action: str, user: str | None = None, **detail) -> None:
        self.audit.record(action, user if user is not None else request.state.user.name if
                          getattr(request.state, "user", None) else None, _address(request), **detail)

    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        user = getattr(request.state, "user", None)
        session = getattr(request.state, "session", None)
        html = self.templates.get_template(template).render(
            user=user, csrf=session.csrf if session else "", store=self.store.describe(), **context)
        return HTMLResponse(html, status_code=status)


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _refuse(ws: Workspace, request: Request, status: int, message: str) -> Response:
    if _is_api(request) or request.method != "GET":
        return JSONResponse({"error": message}, status_code=status)
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return ws.render(request, "error.html", status=status, message=message)


def guard(ws: Workspace, role: str, endpoint):
    """An endpoint that runs only for a signed-in user of at least ``role``; a POST needs the CSRF token."""
    async def guarded(request: Request) -> Response:
        who = ws.session_of(request)
        user = ws.users.get(who[0]) if who else None
        if user is None:
            return _refuse(ws, request, 401, "sign in first")
        request.state.user, request.state.session = user, who[1]
        if request.method == "POST":
            form = request.state.form = await request.form()
            given = request.headers.get("x-csrf-token") or form.get("csrf") or ""
            # a bearer token is no ambient credential: only a cookie session needs the CSRF token
            if who[1] is not None and (not _same_origin(request) or
                                       not secrets.compare_digest(str(given), who[1].csrf)):
                ws.record(request, "denied", reason="csrf", path=request.url.path)
                return _refuse(ws, request, 403, "this form has expired: reload the page and try again")
        if not role_at_least(user.role, role):
            ws.record(request, "denied", role=user.role, needs=role, path=request.url.path)
            return _refuse(ws, request, 403, f"this needs the {role} role (you are {user.role})")
        try:
            if inspect.iscoroutinefunction(endpoint):
                return await endpoint(request)
            return await run_in_threadpool(endpoint, request)  # store reads block: off the event loop
        except NotFoundError as exc:
            return _refuse(ws, request, 404, str(exc))
        except GraphtoolError as exc:  # the store is down, a query failed: one line, no traceback
            return _refuse(ws, request, 400 if isinstance(exc, QueryError) else 503, redact(str(exc)))
    guarded.role = role
    return guarded


class GuardedStatic:
    """Static files for signed-in users only (the login page has its own style sheet route)."""

    def __init__(self, ws: Workspace):
        self.ws, self.files = ws, StaticFiles(directory=HERE / "static")
        self.role = "viewer"

    async def __call__(self, scope, receive, send):
        request = Request(scope, receive)
        who = self.ws.session_of(request)
        if not who or self.ws.users.get(who[0]) is None:
            await PlainTextResponse("sign in first", status_code=401)(scope, receive, send)
            return
        await self.files(scope, receive, send)


class SecurityHeaders:
    """Adds the security headers to every response (pages, files, errors, redirects)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names]
            await send(message)
        await self.app(scope, receive, send_with_headers)


def _same_origin(request: Request) -> bool:
    """False for a POST a browser sent from another site (Sec-Fetch-Site, else Origin); a script sends neither."""
    site = request.headers.get("sec-fetch-site")  # browsers send it even where Origin is "null" (no-referrer)
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    # the host only: behind a TLS proxy the browser's https is plain http here (the proxy must keep Host)
    return origin in (None, "null") or urlsplit(origin).netloc == request.headers.get("host", "")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//host`` or ``https://host``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _csv_cell(value) -> str:
    """As text; a cell a spreadsheet would run as a formula gets a leading apostrophe."""
    text = _cell(value) if not isinstance(value, float) else repr(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _query_params(query, source) -> dict:
    return {p.name: str(source[p.name]) for p in query.params if str(source.get(p.name, "")).strip() != ""}


def _warm_overview(store) -> None:
    try:
        data.overview(store)
    except GraphtoolError:  # the store is down or empty: the page will say so when asked
        pass


def build_app(store, users: Users, audit: AuditLog, secure_cookies: bool | None = None) -> Starlette:
    ws = Workspace(store, users, audit, secure_cookies)
    queries = {name: q for name, q in load_queries().items()}

    # --- public ---
    async def login_page(request: Request) -> Response:
        return ws.render(request, "login.html", next=_safe_next(request.query_params.get("next")), error=None)

    async def login_css(request: Request) -> Response:
        return Response((HERE / "static" / "style.css").read_bytes(), media_type="text/css")

    async def login(request: Request) -> Response:
        if not _same_origin(request):  # login CSRF: another site signing the browser in to its own account
            return PlainTextResponse("sign in from this site's own login page", status_code=403)
        form = await request.form()
        name, password = str(form.get("username", "")).strip().lower(), str(form.get("password", ""))
        target = _safe_next(str(form.get("next", "")))
        address = _address(request)
        wait = ws.limiter.wait_s(address, name)
        if wait:
            ws.record(request, "login", user=name, ok=False, reason="rate-limited")
            return ws.render(request, "login.html", status=429, next=target,
                             error=f"too many failed sign-ins: wait {wait} s and try again")
        user = await run_in_threadpool(ws.users.authenticate, name, password)  # Argon2: slow on purpose
        if user is None:
            ws.limiter.failed(address, name)
            ws.record(request, "login", user=name, ok=False)
            return ws.render(request, "login.html", status=401, next=target, error="wrong name or password")
        ws.limiter.succeeded(name)
        ws.record(request, "login", user=user.name, ok=True)
        sid, _ = ws.new_session(user.name)
        response = RedirectResponse(target, status_code=303)
        secure = ws.secure_cookies if ws.secure_cookies is not None else request.url.scheme == "https"
        response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", secure=secure, path="/")
        return response

    # --- viewer ---
    async def logout(request: Request) -> Response:
        ws.record(request, "logout")
        ws.end_session(request)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    def overview(request: Request) -> Response:
        counts = store.counts()["nodes"]
        narratives = _run(request, "narratives", {}, audit=False).rows
        return ws.render(request, "overview.html", counts=counts, narratives=narratives)

    def search(request: Request) -> Response:
        text = request.query_params.get("q", "")
        groups = data.search(store, text) if text.strip() else {}
        if text.strip():
            ws.record(request, "search", q=text, found=sum(len(v) for v in groups.values()))
        return ws.render(request, "search.html", q=text, groups=groups, cell=_cell)

    def entity(request: Request) -> Response:
        node_id = request.query_params.get("id", "")
        label = data.node_label(store, node_id)
        if label in (model.L.Article, model.L.Narrative):  # they have pages of their own
            return RedirectResponse(pages.href(label, node_id), status_code=303)
        page = pages.entity_page(store, node_id)
        ws.record(request, "view", id=node_id, label=page["label"])
        return ws.render(request, "entity.html", page=page, cell=_cell, href=pages.href)

    def article(request: Request) -> Response:
        node_id = request.query_params.get("id", "")
        page = pages.article_page(store, node_id)
        ws.record(request, "view", id=node_id, label=model.L.Article)
        return ws.render(request, "article.html", page=page, cell=_cell, href=pages.href)

    def compare(request: Request) -> Response:
        copy, original = request.query_params.get("copy", ""), request.query_params.get("original", "")
        page = pages.compare(store, copy, original)
        ws.record(request, "view", id=copy, original=original, label="copy side by side")
        return ws.render(request, "compare.html", page=page, cell=_cell, href=pages.href)

    def narrative(request: Request) -> Response:
        node_id = request.query_params.get("id", "")
        page = pages.narrative_page(store, node_id)
        ws.record(request, "view", id=node_id, label="Narrative")
        return ws.render(request, "narrative.html", page=page, cell=_cell, quote=quote, href=pages.href)

    def api_narrative(request: Request) -> Response:
        node_id = request.query_params.get("id", "")
        found = pages.narrative_network(store, node_id)
        ws.record(request, "view", id=node_id, label="Narrative", network=True, api=True)
        return JSONResponse(found)

    def explore(request: Request) -> Response:
        node_id = request.query_params.get("id", "")  # none: the community overview
        if node_id:
            data.node_label(store, node_id)  # 404 for an unknown id
        colors = {spec.label: spec.color for spec in model.NODES}
        return ws.render(request, "explore.html", node_id=node_id, colors=json.dumps(colors),
                         cap=data.EXPAND_CAP, types=sorted(model.R),
                         can_export=role_at_least(request.state.user.role, "analyst"))

    def explore_export(request: Request) -> Response:
        """The explorer's current view: GEXF or the offline map, re-read from the store; a PNG is drawn
        in the browser and only recorded here."""
        form = request.state.form
        fmt = str(form.get("format", ""))
        if fmt not in ("gexf", "map", "png"):
            raise NotFoundError(f"no export as {fmt!r}: gexf, map or png")
        try:
            nodes = json.loads(str(form.get("nodes", "[]")))[:data.EXPAND_CAP * 2]
            nodes = [{"id": str(n["id"]), "label": str(n["label"])} for n in nodes]
        except (ValueError, TypeError, KeyError):
            raise QueryError("the view's nodes are not a JSON list of {id, label}") from None
        ws.record(request, "export", name="explorer-view", format=fmt, nodes=len(nodes))
        if fmt == "png":
            return Response(status_code=204)
        body, media, name = data.export_view(store, nodes, fmt)
        return Response(body, media_type=media,
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    def timeline_svg(request: Request) -> Response:
        svg = data.timeline_svg(store, request.query_params.get("id", ""))
        return Response(svg, media_type="image/svg+xml")

    def cjk_font(request: Request) -> Response:
        """The shipped Noto Sans CJK (OFL), for machines without CJK fonts; fetched only for CJK text."""
        from ..render.style import cjk_font_path

        path = cjk_font_path()
        if path is None:
            raise NotFoundError("no CJK font installed (notojp-matplotlib)")
        return FileResponse(path, media_type="font/otf", headers={"cache-control": "private, max-age=86400"})

    def query_list(request: Request) -> Response:
        return ws.render(request, "queries.html", queries=queries)

    def _query(request: Request):
        name = request.path_params["name"]
        if name not in queries:
            raise NotFoundError(f"no canned query named {name!r}")
        return queries[name]

    def _run(request: Request, name: str, params: dict, audit: bool = True):
        result = run_query(store, queries[name], params)
        if audit:
            ws.record(request, "query", name=name, params=params, rows=len(result.rows))
        return result

    def query_page(request: Request) -> Response:
        query = _query(request)
        params = _query_params(query, request.query_params)
        result = error = None
        if request.query_params.get("run"):
            try:
                result = _run(request, query.name, params)
            except GraphtoolError as exc:
                error = str(exc)
        return ws.render(request, "query.html", query=query, given=params, result=result, error=error,
                         cell=_cell, download=urlencode(params),
                         param_lines=param_lines(query))

    # --- analyst ---
    def query_download(request: Request) -> Response:
        query = _query(request)
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "json"):
            raise NotFoundError(f"no download as {fmt!r}: csv or json")
        params = _query_params(query, request.query_params)
        try:
            result = run_query(store, query, params)
        except GraphtoolError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        ws.record(request, "export", name=query.name, params=params, format=fmt, rows=len(result.rows))
        disposition = {"content-disposition": f'attachment; filename="{query.name}.{fmt}"'}
        if fmt == "json":
            body = json.dumps({"query": query.name, "params": result.params, "columns": result.columns,
                               "rows": result.rows}, ensure_ascii=False, indent=1, default=str)
            return Response(body, media_type="application/json", headers=disposition)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([_csv_cell(row.get(c)) for c in result.columns])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=disposition)

    def cypher(request: Request) -> Response:
        text, result, error = "", None, None
        if request.method == "POST":
            text = str(request.state.form.get("text", ""))
            ws.record(request, "query", name="ad-hoc", text=text)
            try:
                result = run_query(store, adhoc_query(text), {}, timeout=ADHOC_TIMEOUT_S, limit=1000)
            except GraphtoolError as exc:
                error = str(exc)
        return ws.render(request, "cypher.html", text=text, result=result, error=error, cell=_cell)

    # --- admin ---
    def admin_users(request: Request) -> Response:
        message = None
        if request.method == "POST":
            form = request.state.form
            action, name = str(form.get("action", "")), str(form.get("name", ""))
            try:
                if action == "add":
                    users.add(name, str(form.get("role", "viewer")), str(form.get("password", "")))
                elif action == "remove":
                    if name == request.state.user.name:
                        raise GraphtoolError("you cannot remove yourself")
                    users.remove(name)
                    ws.end_sessions_of(name)
                else:
                    raise GraphtoolError(f"unknown action {action!r}")
                ws.record(request, "user-change", change=action, target=name, role=str(form.get("role", "")))
                message = f"{action}: {name}"
            except GraphtoolError as exc:
                message = str(exc)
        return ws.render(request, "users.html", users=users.all(), message=message)

    # --- API (for scripts and the explorer) ---
    def api_search(request: Request) -> Response:
        text = request.query_params.get("q", "")
        groups = data.search(store, text)
        ws.record(request, "search", q=text, api=True)
        return JSONResponse(groups)

    def api_entity(request: Request) -> Response:
        node_id = request.query_params.get("id", "")
        page = data.entity(store, node_id)
        ws.record(request, "view", id=node_id, label=page["label"], api=True)
        return JSONResponse(json.loads(json.dumps(page, default=str)))

    def api_neighbours(request: Request) -> Response:
        node_id = request.query_params.get("id", "")
        types = tuple(t for t in request.query_params.getlist("type") if t)
        hops = 2 if request.query_params.get("hops") == "2" else 1
        ws.record(request, "view", id=node_id, neighbours=True, types=list(types), hops=hops, api=True)
        return JSONResponse(data.neighbours(store, node_id, types, hops))

    def api_neighbour_counts(request: Request) -> Response:
        node_id = request.query_params.get("id", "")
        ws.record(request, "view", id=node_id, counts=True, api=True)
        return JSONResponse(data.neighbour_counts(store, node_id))

    def api_overview(request: Request) -> Response:
        ws.record(request, "view", overview="communities", api=True)
        return JSONResponse(data.overview(store))

    def api_community(request: Request) -> Response:
        try:
            community = int(request.query_params.get("c", ""))
        except ValueError:
            raise QueryError("c: a community number") from None
        ws.record(request, "view", community=community, api=True)
        return JSONResponse(data.community(store, community))

    def api_query(request: Request) -> Response:
        query = _query(request)
        params = _query_params(query, request.query_params)
        try:
            result = run_query(store, query, params)
        except GraphtoolError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        ws.record(request, "export", name=query.name, params=params, format="api", rows=len(result.rows))
        return JSONResponse(json.loads(json.dumps({"columns": result.columns, "rows": result.rows}, default=str)))

    def route(path, endpoint, role, methods=("GET",)):
        return Route(path, guard(ws, role, endpoint), methods=list(methods))

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/login.css", login_css, methods=["GET"]),
        route("/logout", logout, "viewer", ("POST",)),
        route("/", overview, "viewer"),
        route("/search", search, "viewer"),
        route("/entity", entity, "viewer"),
        route("/narrative", narrative, "viewer"),
        route("/article", article, "viewer"),
        route("/compare", compare, "viewer"),
        route("/api/narrative", api_narrative, "viewer"),
        route("/narrative/timeline.svg", timeline_svg, "viewer"),
        route("/explore", explore, "viewer"),
        route("/font/cjk.otf", cjk_font, "viewer"),
        route("/queries", query_list, "viewer"),
        route("/queries/{name}", query_page, "viewer"),
        route("/queries/{name}/download.{fmt:str}", query_download, "analyst"),
        route("/cypher", cypher, "analyst", ("GET", "POST")),
        route("/admin/users", admin_users, "admin", ("GET", "POST")),
        route("/api/search", api_search, "viewer"),
        route("/api/entity", api_entity, "viewer"),
        route("/api/neighbours", api_neighbours, "viewer"),
        route("/api/neighbours/counts", api_neighbour_counts, "viewer"),
        route("/api/overview", api_overview, "viewer"),
        route("/api/community", api_community, "viewer"),
        route("/explore/export", explore_export, "analyst", ("POST",)),
        route("/api/queries/{name}", api_query, "analyst"),
        Mount("/static", app=GuardedStatic(ws), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.workspace = ws
    # the community overview aggregates the whole store: compute it now, not for the first visitor
    threading.Thread(target=_warm_overview, args=(store,), daemon=True, name="overview").start()
    app.add_middleware(SecurityHeaders)
    return app
