from graders.timeline import Span, render


def test_serial_calls_draw_as_a_staircase():
    text = render([Span("a", 0, 1), Span("b", 1, 2)], unicode=True, width=20)
    a, b, axis = text.splitlines()
    assert a == "a " + "█" * 10
    assert b == "b " + " " * 10 + "█" * 10
    assert axis.split() == ["0s", "0.5s", "1s", "1.5s", "2s"]


def test_outcomes_have_a_legend_and_ascii_fallback():
    text = render([Span("a", 0, 2), Span("b", 0, 1, "cancelled")], unicode=False, width=10)
    assert "#" * 10 in text and "-" * 5 in text
    assert "- cancelled" in text and "█" not in text


def test_no_calls():
    assert render([]) == "(no calls were made)"
