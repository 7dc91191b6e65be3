"""The site's files from a real `softmaxlab serve`: gzip when asked, validators and cache headers, types,
redirects to the page folder, no listing, nothing outside the site's file table."""

import gzip

import pytest

from .server_helpers import Server, fake_site


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("static")
    site = fake_site(base / "site")
    server = Server(base / "runs", site=site)
    yield server, site
    log = server.stop()
    assert "Traceback" not in log, log


def test_pages_are_html_revalidated_every_visit(served):
    server, site = served
    status, headers, body = server.get("/")
    assert status == 200 and body == (site / "index.html").read_bytes()
    assert headers["content-type"] == "text/html; charset=utf-8" and headers["cache-control"] == "no-cache"
    assert headers["x-content-type-options"] == "nosniff"
    assert server.get("/softmax/")[2] == (site / "softmax" / "index.html").read_bytes()


def test_a_page_without_its_slash_redirects_keeping_the_query(served):
    server, _ = served
    status, headers, _ = server.get("/runs?run=a&step=-1")
    assert status == 301 and headers["location"] == "/runs/?run=a&step=-1"
    assert server.get("/softmax")[1]["location"] == "/softmax/"


def test_files_go_out_gzipped_when_the_client_accepts_it(served):
    server, site = served
    plain = (site / "assets" / "app.js").read_bytes()
    status, headers, body = server.get("/assets/app.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(body) == plain and len(body) < len(plain) / 5
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"].startswith("public, max-age=")
    status, headers, body = server.get("/assets/app.js")
    assert body == plain and "content-encoding" not in headers
    refused = server.get("/assets/app.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert refused[2] == plain and "content-encoding" not in refused[1]
    tiny = server.get("/assets/tiny.js", headers={"Accept-Encoding": "gzip"})
    assert tiny[2] == b"1;\n" and "content-encoding" not in tiny[1]  # too small to gain from it
    assert server.get("/assets/site.css")[1]["content-type"] == "text/css; charset=utf-8"


def test_validators_answer_304(served):
    server, _ = served
    _, headers, _ = server.get("/assets/app.js", headers={"Accept-Encoding": "gzip"})
    etag, modified = headers["etag"], headers["last-modified"]
    assert server.get("/assets/app.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})[0] == 304
    other = server.get("/assets/app.js", headers={"If-None-Match": '"something-else"'})
    assert other[0] == 200
    assert server.get("/assets/app.js", headers={"If-Modified-Since": modified})[0] == 304
    assert server.get("/assets/app.js", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    assert server.request("HEAD", "/assets/app.js")[0] == 200


@pytest.mark.parametrize("path", ["/assets/", "/assets", "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                  "/assets/..%2f..%2fetc%2fpasswd", "/.softmaxlab-site", "/nothing",
                                  "//etc/passwd", "/%ff", "/assets/app.js/", "/index.html%00"])
def test_nothing_outside_the_site_and_no_listing(served, path):
    status, headers, body = served[0].get(path)
    assert status == 404, (path, status)
    assert body == b"not found\n"


def test_other_methods_and_bodies_are_refused(served):
    server, _ = served
    assert server.request("POST", "/softmax/")[0] == 405
    assert server.request("POST", "/softmax/", body=b"a=1")[0] == 413
    assert server.get("/?" + "q" * 3000)[0] == 413
