"""Decompression bombs, sent as photos: refused by the size in the header; a big real photo takes bounded memory."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints.photos import clean_photo
from tests.municipality.test_settings_env import ROOT


def bomb_png(width: int, height: int) -> bytes:
    """A valid RGB PNG of ``width`` × ``height`` black pixels, compressed row by row (a few hundred KB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    compressor = zlib.compressobj(9)
    row = b"\x00" * (3 * width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_the_reported_8900_square_png_is_refused_before_decoding():
    data = bomb_png(8900, 8900)
    assert len(data) < 400_000
    with pytest.raises(ValidationError) as refused:
        clean_photo(SimpleUploadedFile("bomb.png", data, content_type="image/png"))
    assert refused.value.code == "too_many_pixels" and "8900" in refused.value.messages[0]


def test_a_phone_photo_keeps_its_orientation_and_size_limit():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: rotate 90°
    Image.new("RGB", (400, 200), (10, 200, 30)).save(out, format="JPEG", exif=exif.tobytes())
    cleaned = Image.open(clean_photo(SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")))
    assert cleaned.size == (200, 400) and not cleaned.getexif()


MEASURE = """
import os, resource, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "municipality.settings_test")
import django; django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from complaints.photos import clean_photo
data = open({path!r}, "rb").read()
def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
start = rss_kb()
pid = os.fork()  # the child starts with this process's pages; its peak minus them is what one photo took
if pid == 0:
    try:
        clean_photo(SimpleUploadedFile("p", data))
    except Exception as exc:
        print("refused", type(exc).__name__, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
print((resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss - start) // 1024)
"""


def peak_mb(path) -> int:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE.format(root=str(ROOT), path=str(path))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stdout.split()[-1])


def test_one_upload_takes_bounded_memory(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png(8900, 8900))
    big_jpeg = tmp_path / "big.jpg"
    Image.new("RGB", (8000, 6000), (120, 80, 40)).save(big_jpeg, format="JPEG", quality=80)  # a 48-megapixel photo
    big_png = tmp_path / "big.png"
    Image.new("RGBA", (4000, 4000), (1, 2, 3, 128)).save(big_png, format="PNG")  # the largest other picture allowed
    peaks = {"bomb": peak_mb(bomb), "jpeg48mp": peak_mb(big_jpeg), "png16mp": peak_mb(big_png)}
    print("peak MB above start:", peaks)
    assert peaks["bomb"] < 20
    assert peaks["jpeg48mp"] < 120
    assert peaks["png16mp"] < 220
