"""Tables on a page found by their ruling lines (pdfplumber) and read as rows of
tab-joined cells, one ``Line`` per row, among the page's other lines in reading order.
"""

from __future__ import annotations

from index.pdflines import Line, chars_to_lines, join_lines


def tables_and_lines(chars: list[dict], tables: list) -> list[Line]:  # type: ignore[type-arg]
    """A page's lines in reading order: the characters outside the tables as printed lines,
    each table's rows as lines of tab-joined cells."""
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, float]) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    lines = chars_to_lines([c for c in chars if outside(c)])
    for table in tables:
        lines += _table_lines(table, chars)
    lines.sort(key=lambda line: (round(line.top), line.x0))
    return lines


def grid_tables(edges: list[dict], tolerance: float) -> list:  # type: ignore[type-arg]
    """Tables found from ruling lines alone (pdfplumber's lattice method): for files whose
    tables are drawn as paths, such as OFD. Each edge: x0, x1, top, bottom, orientation."""
    from pdfplumber.table import (
        Table,
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )

    edges = merge_edges(edges, tolerance, tolerance, tolerance, tolerance)
    cells = intersections_to_cells(edges_to_intersections(edges, tolerance, tolerance))
    return [Table(None, group) for group in cells_to_tables(cells) if len(group) > 1]  # type: ignore[arg-type]


def _table_lines(table: object, chars: list[dict]) -> list[Line]:  # type: ignore[type-arg]
    """A table's rows as lines: cells tab-joined, a cell's wrapped lines joined, merged cells
    (None in pdfplumber's grid) filled from the cell above (a task spanning rows)."""

    def inside(cell: tuple[float, float, float, float]) -> list[dict]:  # type: ignore[type-arg]
        x0, top, x1, bottom = cell
        return [
            c
            for c in chars
            if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        ]

    out: list[Line] = []
    above: list[str] = []
    for row in table.rows:  # type: ignore[attr-defined]
        values = []
        for j, cell in enumerate(row.cells):
            if cell is None:
                values.append(above[j] if j < len(above) else "")
            else:
                values.append(join_lines([line.text for line in chars_to_lines(inside(cell))]))
        above = values
        if any(values):
            x0, top, x1, bottom = row.bbox
            out.append(Line("\t".join(values), x0, x1, top, bottom, 0.0, table=True))
    return out
