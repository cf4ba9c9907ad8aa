"""Request parsers that fail with a 400, never a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, plus: JSON nested deeper than Python's recursion limit is a 400.

    ``json.loads`` raises ``RecursionError`` on about a thousand nested arrays, which
    DRF does not catch (seen as a 500 on every JSON endpoint, without login).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
