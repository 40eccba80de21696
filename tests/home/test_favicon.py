"""The site has an icon (issue 15, finding 16): every page links an SVG icon, and
/favicon.ico, which browsers ask for regardless, answers with an icon, not a 404."""

from __future__ import annotations

import re
import struct


def test_favicon_ico_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    # An ICO file: a header (reserved 0, type 1, how many images), then one 16-byte
    # entry per image whose first two bytes are its width and height.
    reserved, kind, count = struct.unpack_from("<HHH", response.data)
    assert (reserved, kind) == (0, 1) and count >= 1
    sizes = {tuple(response.data[6 + 16 * n : 8 + 16 * n]) for n in range(count)}
    assert {(16, 16), (32, 32)} <= sizes


def test_every_page_links_an_svg_icon_that_answers(client):
    for page in ("/", "/consultations", "/sign-in", "/standards"):
        html = client.get(page).get_data(as_text=True)
        links = re.findall(r'<link rel="icon" href="([^"]+)"[^>]*>', html)
        svg = [href for href in links if href.endswith(".svg")]
        assert svg, f"{page} links no SVG icon"
        response = client.get(svg[0])
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).lstrip().startswith("<svg")
        ico = [href for href in links if href.endswith(".ico")]
        assert ico, f"{page} links no ICO icon"
        assert client.get(ico[0]).data == client.get("/favicon.ico").data
