"""serve points pages at its own /api/, whatever endpoint the site names for production."""

from generator.livehttp import local_endpoint


def test_an_absolute_endpoint_is_pointed_at_the_local_api() -> None:
    page = (
        b'<body data-reactions="https://api.example.org/api/reactions"'
        b' data-endpoint="https://api.example.org/api/">'
        b'<form action="https://api.example.org/api/comments" method="post">'
        b'<a href="https://example.org/api/other">x</a>'
    )
    assert local_endpoint(page) == (
        b'<body data-reactions="/api/reactions" data-endpoint="/api/">'
        b'<form action="/api/comments" method="post">'
        b'<a href="https://example.org/api/other">x</a>'
    )


def test_a_site_with_the_endpoint_at_api_is_left_alone() -> None:
    page = (
        b'<body data-reactions="/api/reactions" data-endpoint="/api/"><form action="/api/comments">'
    )
    assert local_endpoint(page) == page
