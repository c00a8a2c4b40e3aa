"""URL converters: malformed identifiers are a 404 at routing, never a database lookup."""


class InseeCodeConverter:
    """A commune's INSEE code: five characters, digits except 2A/2B for Corsica."""

    regex = r"[0-9][0-9AB][0-9]{3}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
