"""Parses Prometheus' text exposition format with prometheus_client's own parser (the
reference Python client), as a filter: the text on stdin, one JSON list on stdout of every
sample, ``{"family", "type", "name", "labels", "value"}``. A text the parser refuses exits 1
with its error on stderr. See peers/README.md.
"""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = sys.stdin.read()
    samples = []
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                samples.append({"family": family.name, "type": family.type, "name": sample.name,
                                "labels": dict(sample.labels), "value": sample.value})
    except Exception as error:  # noqa: BLE001 - any parse failure is the answer
        print(f"prometheus_text: {error}", file=sys.stderr)
        sys.exit(1)
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main()
