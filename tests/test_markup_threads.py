"""The sanitiser from many threads at once, as the threaded server calls it.

bleach's Cleaner keeps the text it is working on in the instance (its tokenizer
and serializer), and linkify-it keeps the last text it scanned, so one instance
shared by threads splices one post's words into another's or raises. Each thread
must render with its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from townhall.markup import clean_html, render_markdown

THREADS = 8
ROUNDS = 60


def _race(render: Callable[[str], str]) -> tuple[list[str], list[BaseException]]:
    """Render a text of each thread's own words many times at once; return what leaked."""
    leaks: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(n: int) -> None:
        word = f"marker{n}x"
        # Long enough, with links and emphasis, that the renderers yield to other threads.
        text = "\n\n".join(
            f"**{word}** para {i} see https://example.org/{word}/{i} and *{word}* again"
            for i in range(20)
        )
        expected = render(text)  # alone, before the race
        start.wait()
        for _ in range(ROUNDS):
            try:
                html = render(text)
            except Exception as error:  # a shared renderer raises in the middle of a race
                errors.append(error)
                continue
            others = [f"marker{m}x" for m in range(THREADS) if m != n]
            leaks.extend(f"thread {n} got {o}" for o in others if o in html)
            if html != expected:
                leaks.append(f"thread {n}: not what it renders alone")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return leaks, errors


def test_markdown_rendered_in_many_threads_keeps_each_post_its_own_words():
    leaks, errors = _race(render_markdown)
    assert errors == []
    assert leaks == []


def test_html_cleaned_in_many_threads_keeps_each_post_its_own_words():
    leaks, errors = _race(lambda text: clean_html(f"<p>{text}</p><script>x</script>"))
    assert errors == []
    assert leaks == []
