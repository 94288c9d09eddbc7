"""Excel files for the roster import tests."""
import io

from openpyxl import Workbook

from partyapp.org.importer import HEADERS


def roster_xlsx(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, branch, data: bytes, filename="花名册.xlsx"):
    return client.post(f"/org/{branch.id}/import",
                       data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")
