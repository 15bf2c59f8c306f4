from dataclasses import dataclass

CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
CANDIDATE_QUOTES = ('"', "'")


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    quotechar: str = '"'
    has_header: bool = True
