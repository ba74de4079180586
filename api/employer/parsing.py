"""Batch bodies: JSON `{"employees": [...]}` or text/csv with the row field names as header.

CSV: UTF-8 with or without a BOM (what Excel's "CSV UTF-8" writes); the delimiter is `,` or `;`
(Excel in locales with a decimal comma writes `;`), taken from the header line. Blank lines are
skipped; cells are trimmed; an empty cell is an absent field; `salary` cells of digits become
integers, anything else stays text and is reported as that row's error.
"""
from __future__ import annotations

import csv
import io
import re

from flask import Request

from errors import PayloadTooLarge, ValidationFailed
from services.enrollment import MAX_ROWS  # one limit for both batch kinds

_DIGITS = re.compile(r"^\d+$")


def too_many(count: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"At most {MAX_ROWS} employees per batch (got {count}).",
                           extra={"max_rows": MAX_ROWS})


def read_rows(request: Request, fields: tuple[str, ...], required: tuple[str, ...] = (),
              int_fields: tuple[str, ...] = ()) -> list:
    rows = _csv(request, fields, required, int_fields) if request.mimetype == "text/csv" else _json(request)
    if not rows:
        raise ValidationFailed({"employees": ["At least one employee is required."]})
    return rows


def _json(request: Request) -> list:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"_body": ["The body must be a JSON object {\"employees\": [...]}."]})
    errors = {key: ["Unknown field."] for key in body if key != "employees"}
    rows = body.get("employees")
    if rows is None:
        errors["employees"] = ["Missing data for required field."]
    elif not isinstance(rows, list):
        errors["employees"] = ["Not a valid list."]
    if errors:
        raise ValidationFailed(errors)
    if len(rows) > MAX_ROWS:
        raise too_many(len(rows))
    return rows


def _csv(request: Request, fields, required, int_fields) -> list:
    try:
        content = request.get_data(cache=False).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"_body": ["The CSV must be UTF-8 (with or without a BOM)."]}) from None
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValidationFailed({"_body": [f"Not valid CSV: {exc}."]}) from None
    if not header or not any(h.strip() for h in header):
        raise ValidationFailed({"_body": ["The CSV needs a header row: " + ",".join(fields) + "."]})
    names = [h.strip().lower() for h in header]
    errors: dict[str, list[str]] = {}
    for name in names:
        if name not in fields:
            errors[name or "_header"] = ["Unknown column."]
        elif names.count(name) > 1:
            errors[name] = ["Column given twice."]
    for name in required:
        if name not in names:
            errors[name] = ["Missing column."]
    if errors:
        raise ValidationFailed(errors, "The CSV header row is not right.")
    rows: list = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise too_many(MAX_ROWS + 1)
            if len(cells) > len(names):
                rows.append({"_cells": f"{len(cells)} cells for {len(names)} columns"})
                continue
            row = {}
            for name, cell in zip(names, cells):
                cell = cell.strip()
                if cell:
                    row[name] = int(cell) if name in int_fields and _DIGITS.match(cell) else cell
            rows.append(row)
    except csv.Error as exc:
        raise ValidationFailed({"_body": [f"Not valid CSV at line {reader.line_num}: {exc}."]}) from None
    return rows
