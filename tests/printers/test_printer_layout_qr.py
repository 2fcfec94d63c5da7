"""The slip's QR size comes from the code's version alone (cheap), and matches the drawn code's width."""
from __future__ import annotations

import qrcode
import pytest

from loket.printers.layout import qr_module_size


def _drawn_width(data: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.modules_count


@pytest.mark.parametrize("length", [1, 14, 40, 62, 63, 90, 150, 300])
@pytest.mark.parametrize("width_px", [384, 576])
def test_module_size_fits_the_drawn_code_on_the_paper(length, width_px):
    data = "https://antrean.example.go.id/t/" + "x" * length
    size = qr_module_size(data, width_px)
    assert size == max(1, min(8, int(width_px * 0.6) // (_drawn_width(data) + 2)))
    assert size * (_drawn_width(data) + 2) <= width_px * 0.6 or size == 1
