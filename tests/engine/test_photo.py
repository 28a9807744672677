"""read_photo / write_photo: every mode users' files come in, round trips, and clear failures."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from engine.errors import PhotoError
from engine.photo import Photo, read_photo, to_8bit, with_software, write_photo

SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_bytes(**tags) -> bytes:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[{"orientation": 0x0112, "make": 0x010F, "model": 0x0110}[tag]] = value
    return exif.tobytes()


# --- reading every mode ---------------------------------------------------------------------


def test_reads_8bit_grey_jpeg(write_image, grey_image):
    photo = read_photo(write_image("grey.jpg", grey_image, quality=100))
    assert photo.pixels.shape == grey_image.shape and photo.pixels.dtype == np.uint8
    assert photo.is_grey and photo.alpha is None and photo.format == "JPEG"
    assert np.abs(photo.pixels.astype(int) - grey_image).max() <= 3


def test_reads_bilevel_as_black_and_white(write_image, grey_image):
    photo = read_photo(write_image("bits.png", Image.fromarray(grey_image).convert("1")))
    assert photo.pixels.dtype == np.uint8 and set(np.unique(photo.pixels)) <= {0, 255}


def test_reads_grey_with_alpha(write_image, grey_image):
    alpha = grey_image[::-1].copy()
    photo = read_photo(write_image("la.png", Image.fromarray(np.dstack((grey_image, alpha)), "LA")))
    assert np.array_equal(photo.pixels, grey_image) and np.array_equal(photo.alpha, alpha)


def test_reads_palette_without_transparency_as_rgb(write_image, rgb_image):
    im = Image.fromarray(rgb_image).quantize(64)
    photo = read_photo(write_image("p.png", im))
    assert photo.pixels.shape == rgb_image.shape and photo.alpha is None
    assert np.array_equal(photo.pixels, np.array(im.convert("RGB")))


def test_reads_palette_transparency_as_alpha(write_image, grey_image):
    im = Image.fromarray(grey_image).convert("P")
    index = int(np.array(im)[0, 0])
    photo = read_photo(write_image("pt.png", im, transparency=index))
    assert photo.pixels.ndim == 3 and photo.alpha is not None
    assert photo.alpha[0, 0] == 0 and (photo.alpha == 255).mean() > 0.5


def png_bytes(width: int, height: int, depth: int, colour_type: int, rows: list[bytes], *chunks: tuple[bytes, bytes]) -> bytes:
    """A PNG written byte by byte (for layouts Pillow does not write), ``chunks`` before its pixels; row ``i`` is
    filtered with PNG filter ``i % 5`` (none, Sub, Up, Average, Paeth), so that a reader meets every one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    step = max(1, depth * channels // 8)  # bytes from a pixel's byte to the same byte of the pixel before
    filtered, above = [], bytes(len(rows[0]))
    for index, row in enumerate(rows):
        kind = index % 5
        out = bytearray([kind])
        for i, value in enumerate(row):
            left = row[i - step] if i >= step else 0
            corner = above[i - step] if i >= step else 0
            estimate = left + above[i] - corner
            pa, pb, pc = abs(estimate - left), abs(estimate - above[i]), abs(estimate - corner)
            paeth = left if pa <= pb and pa <= pc else above[i] if pb <= pc else corner
            predicted = (0, left, above[i], (left + above[i]) // 2, paeth)[kind]
            out.append((value - predicted) % 256)
        filtered.append(bytes(out))
        above = row
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0))
    pixels = chunk(b"IDAT", zlib.compress(b"".join(filtered)))
    return b"\x89PNG\r\n\x1a\n" + header + b"".join(chunk(*c) for c in chunks) + pixels + chunk(b"IEND", b"")


def test_a_grey_or_rgb_pngs_transparent_value_is_read_as_alpha(write_image, tmp_path, rgb_image, grey_image, grey16_image):
    """A PNG's tRNS chunk on grey or RGB pixels: every pixel of that value is transparent."""
    grey = grey_image.copy()
    grey[:4] = 0
    photo = read_photo(write_image("grey-key.png", grey, transparency=0))
    assert np.array_equal(photo.pixels, grey) and np.array_equal(photo.alpha, np.where(grey == 0, 0, 255))
    rgb = rgb_image.copy()
    rgb[:, :5] = 0
    photo = read_photo(write_image("rgb-key.png", rgb, transparency=(0, 0, 0)))
    assert np.array_equal(photo.pixels, rgb) and np.array_equal(photo.alpha, np.where((rgb == 0).all(axis=-1), 0, 255))
    assert photo.alpha.dtype == np.uint8 and (photo.alpha == 0).sum() >= 24 * 5
    grey16 = grey16_image.copy()
    grey16[-3:] = 1234
    photo = read_photo(write_image("grey16-key.png", Image.fromarray(grey16), transparency=1234))
    assert photo.pixels.dtype == photo.alpha.dtype == np.uint16
    assert np.array_equal(photo.pixels, grey16) and np.array_equal(photo.alpha, np.where(grey16 == 1234, 0, 65535))
    # Fewer than 8 bits a pixel: the value is given at the file's depth (4 bits: 5 is 85 of 255).
    path = tmp_path / "grey4-key.png"
    path.write_bytes(png_bytes(2, 1, 4, 0, [bytes([0x5F])], (b"tRNS", struct.pack(">H", 5))))
    photo = read_photo(path)
    assert photo.pixels.tolist() == [[85, 255]] and photo.alpha.tolist() == [[0, 255]]


def test_a_16bit_colour_or_grey_alpha_png_is_read_at_16_bits(tmp_path):
    """Pillow reads them at 8 bits; every filter a row can have, an EXIF orientation and a tRNS value are met."""
    rng = np.random.default_rng(16)
    samples = rng.integers(0, 65536, (11, 7, 4), dtype=np.uint16)
    samples[0, :3, :3] = (1000, 2000, 3000)
    for colour_type, channels in ((2, 3), (6, 4), (4, 2)):
        path = tmp_path / f"type{colour_type}.png"
        values = samples[..., :channels]
        path.write_bytes(png_bytes(7, 11, 16, colour_type, [row.astype(">u2").tobytes() for row in values]))
        photo = read_photo(path)
        assert photo.pixels.dtype == np.uint16 and photo.bit_depth == 16, colour_type
        colour = values[..., 0] if colour_type == 4 else values[..., :3]
        assert np.array_equal(photo.pixels, colour), colour_type
        assert (photo.alpha is None) if colour_type == 2 else np.array_equal(photo.alpha, values[..., -1]), colour_type
    turned = tmp_path / "turned.png"
    rgb = samples[..., :3]
    key = (b"tRNS", struct.pack(">3H", 1000, 2000, 3000))
    orientation = (b"eXIf", exif_bytes(orientation=6, make="Kodak")[6:])
    turned.write_bytes(png_bytes(7, 11, 16, 2, [row.astype(">u2").tobytes() for row in rgb], key, orientation))
    photo = read_photo(turned)
    assert np.array_equal(photo.pixels, np.rot90(rgb, k=-1)) and photo.pixels.dtype == np.uint16
    assert np.array_equal(photo.alpha, np.rot90(np.where((rgb == (1000, 2000, 3000)).all(axis=-1), 0, 65535), k=-1))
    tags = Image.Exif()
    tags.load(photo.exif)
    assert 0x0112 not in tags and tags[0x010F] == "Kodak"
    # and what Colourise writes itself comes back as it was
    back = read_photo(write_photo(Photo(rgb, samples[..., 3]), tmp_path / "ours.png"))
    assert np.array_equal(back.pixels, rgb) and np.array_equal(back.alpha, samples[..., 3])


@pytest.mark.parametrize("name", ["rgb.png", "rgb.bmp", "rgb.tif", "rgb.webp"])
def test_reads_rgb_losslessly(write_image, rgb_image, name):
    options = {"lossless": True} if name.endswith("webp") else {}
    photo = read_photo(write_image(name, rgb_image, **options))
    assert np.array_equal(photo.pixels, rgb_image) and photo.alpha is None


def test_reads_rgba(write_image, rgb_image, grey_image):
    photo = read_photo(write_image("rgba.png", np.dstack((rgb_image, grey_image))))
    assert np.array_equal(photo.pixels, rgb_image) and np.array_equal(photo.alpha, grey_image)


def test_reads_cmyk_jpeg_as_rgb(write_image, rgb_image):
    photo = read_photo(write_image("cmyk.jpg", Image.fromarray(rgb_image).convert("CMYK"), quality=100))
    assert photo.pixels.shape == rgb_image.shape and photo.icc_profile is None
    assert np.abs(photo.pixels.astype(int) - rgb_image).mean() < 6


@pytest.mark.parametrize("name", ["g16.png", "g16.tif"])
def test_reads_16bit_grey_at_16_bits(write_image, grey16_image, name):
    photo = read_photo(write_image(name, grey16_image))
    assert photo.pixels.dtype == np.uint16 and np.array_equal(photo.pixels, grey16_image)
    assert photo.bit_depth == 16


def test_reads_big_endian_16bit_tiff(write_image, grey16_image):
    im = Image.frombytes("I;16B", grey16_image.shape[::-1], grey16_image.astype(">u2").tobytes())
    photo = read_photo(write_image("g16b.tif", im))
    assert photo.pixels.dtype == np.uint16 and np.array_equal(photo.pixels, grey16_image)


def test_reads_32bit_integer_grey_within_16_bits(write_image, grey16_image):
    photo = read_photo(write_image("i32.tif", Image.fromarray(grey16_image.astype(np.int32))))
    assert photo.pixels.dtype == np.uint16 and np.array_equal(photo.pixels, grey16_image)


def test_reads_16bit_rgb_and_grey_alpha_tiff_at_16_bits(tmp_path, grey16_image):
    tifffile = pytest.importorskip("tifffile")
    rgb16 = np.dstack((grey16_image, grey16_image[::-1], grey16_image[:, ::-1]))
    tifffile.imwrite(tmp_path / "rgb16.tif", rgb16, photometric="rgb")
    photo = read_photo(tmp_path / "rgb16.tif")
    assert photo.pixels.dtype == np.uint16 and np.array_equal(photo.pixels, rgb16)
    # Pillow cannot open 16-bit grey + alpha at all.
    la16 = np.dstack((grey16_image, grey16_image[::-1]))
    tifffile.imwrite(tmp_path / "la16.tif", la16, photometric="minisblack", extrasamples=["unassalpha"])
    photo = read_photo(tmp_path / "la16.tif")
    assert np.array_equal(photo.pixels, grey16_image) and np.array_equal(photo.alpha, grey16_image[::-1])


def test_a_colour_tiff_from_a_tifffile_grey_one_drops_the_old_shape_but_keeps_a_real_description(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    grey = np.tile(np.arange(64, dtype=np.uint8), (48, 1))
    tifffile.imwrite(tmp_path / "grey.tif", grey)  # ImageDescription {"shape": [48, 64]}
    photo = read_photo(tmp_path / "grey.tif")
    write_photo(Photo(np.dstack((grey, grey, grey)), exif=photo.exif), tmp_path / "colour.tif")
    with tifffile.TiffFile(tmp_path / "colour.tif") as tif:
        assert "ImageDescription" not in tif.pages[0].tags  # tifffile: "shaped series shape does not match page shape"
        assert tif.asarray().shape == (48, 64, 3)
    tifffile.imwrite(tmp_path / "described.tif", grey, description="Grandma, 1931", metadata=None)
    photo = read_photo(tmp_path / "described.tif")
    write_photo(Photo(np.dstack((grey, grey, grey)), exif=photo.exif), tmp_path / "described-colour.tif")
    with tifffile.TiffFile(tmp_path / "described-colour.tif") as tif:
        assert tif.pages[0].tags["ImageDescription"].value == "Grandma, 1931"


def test_colour_photo_is_accepted_as_rgb(write_image, grey_image):
    grey_looking = np.repeat(grey_image[..., None], 3, axis=-1)
    photo = read_photo(write_image("rgb_grey.png", grey_looking))
    assert photo.pixels.shape == grey_looking.shape


# --- EXIF orientation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "orientation, expected",
    [
        (3, lambda a: a[::-1, ::-1]),
        (6, lambda a: np.rot90(a, k=-1)),  # stored rotated: turn 90 degrees clockwise to display
        (8, lambda a: np.rot90(a, k=1)),
    ],
)
def test_exif_orientation_is_applied_and_dropped(write_image, grey_image, orientation, expected):
    path = write_image("rot.png", grey_image, exif=exif_bytes(orientation=orientation, make="Kodak"))
    photo = read_photo(path)
    assert np.array_equal(photo.pixels, expected(grey_image))
    tags = Image.Exif()
    tags.load(photo.exif)
    assert 0x0112 not in tags and tags[0x010F] == "Kodak"


@pytest.mark.parametrize("mode", ["L", "I;16", "RGB", "RGBA", "CMYK"])
@pytest.mark.parametrize("compression", [None, "tiff_lzw"])
def test_an_uncompressed_tiff_turned_on_its_side_is_read_turned_not_scrambled(tmp_path, mode, compression):
    # Pillow maps an uncompressed TIFF opened by its path into memory at its turned size, as stripes.
    rng = np.random.default_rng(6)
    channels = {"L": 1, "I;16": 1, "RGB": 3, "RGBA": 4, "CMYK": 4}[mode]
    stored = rng.integers(0, 65536 if mode == "I;16" else 256, (24, 40, channels)[: 2 if channels == 1 else 3])
    stored = stored.astype(np.uint16 if mode == "I;16" else np.uint8)
    source = Image.frombytes(mode, (40, 24), stored.tobytes())
    if mode == "CMYK":
        shown = np.array(source.convert("RGB"))
    elif mode == "RGBA":
        shown, alpha = stored[..., :3], stored[..., 3]
    else:
        shown = stored
    turned = {
        5: lambda a: a.swapaxes(0, 1),  # transposed
        6: lambda a: np.rot90(a, k=-1),  # turned 90 degrees clockwise to display
        7: lambda a: np.rot90(a, k=-1)[::-1],  # transversed
        8: lambda a: np.rot90(a, k=1),
    }
    for orientation, turn in turned.items():
        path = tmp_path / f"{mode.replace(';', '')}-{orientation}.tif"
        source.save(path, exif=exif_bytes(orientation=orientation), **({"compression": compression} if compression else {}))
        photo = read_photo(path)
        assert photo.pixels.shape[:2] == (40, 24), orientation  # portrait, as viewers show it
        assert np.array_equal(photo.pixels, turn(shown)), orientation
        if mode == "RGBA":
            assert np.array_equal(photo.alpha, turn(alpha)), orientation


def test_rotated_photo_written_back_is_not_rotated_twice(write_image, tmp_path, rgb_image):
    path = write_image("rot.jpg", rgb_image, exif=exif_bytes(orientation=6), quality=100)
    photo = read_photo(path)
    back = read_photo(write_photo(photo, tmp_path / "out.jpg"))
    assert back.pixels.shape == photo.pixels.shape == (rgb_image.shape[1], rgb_image.shape[0], 3)
    with Image.open(tmp_path / "out.jpg") as im:
        assert im.getexif().get(0x0112) in (None, 1)


# --- writing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_grey_round_trip_is_exact(tmp_path, grey16_image, suffix):
    path = write_photo(Photo(grey16_image), tmp_path / f"g16{suffix}")
    back = read_photo(path)
    assert back.pixels.dtype == np.uint16 and np.array_equal(back.pixels, grey16_image)


def test_16bit_rgb_with_alpha_tiff_round_trip_is_exact(tmp_path, grey16_image):
    rgb16 = np.dstack((grey16_image, grey16_image[::-1], grey16_image[:, ::-1]))
    alpha = grey16_image.T.copy().reshape(grey16_image.shape)
    back = read_photo(write_photo(Photo(rgb16, alpha, icc_profile=SRGB_ICC), tmp_path / "c16.tif"))
    assert np.array_equal(back.pixels, rgb16) and np.array_equal(back.alpha, alpha)
    assert back.icc_profile == SRGB_ICC


def _decode_png16(path: Path) -> tuple[int, np.ndarray, dict[bytes, bytes]]:
    """Decode a PNG written by write_photo's 16-bit encoder ("Up" filter) exactly: (colour type, pixels, chunks)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, idat = 8, {}, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(kind + body)
        idat += body if kind == b"IDAT" else b""
        chunks.setdefault(kind, body)
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 16
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels * 2)
    assert (rows[:, 0] == 2).all()
    raw = np.cumsum(rows[:, 1:].astype(np.uint64), axis=0).astype(np.uint8)  # undo "Up" (mod 256)
    return colour_type, raw.view(">u2").reshape(height, width, channels).astype(np.uint16), chunks


def test_16bit_rgba_png_is_written_at_16_bits(tmp_path, grey16_image):
    rgb16 = np.dstack((grey16_image, grey16_image[::-1], grey16_image[:, ::-1]))
    exif = exif_bytes(make="Nikon")
    path = write_photo(Photo(rgb16, grey16_image, icc_profile=SRGB_ICC, exif=exif), tmp_path / "c16.png")
    colour_type, pixels, chunks = _decode_png16(path)
    assert colour_type == 6
    assert np.array_equal(pixels[..., :3], rgb16) and np.array_equal(pixels[..., 3], grey16_image)
    assert b"iCCP" in chunks and b"eXIf" in chunks
    # Read back, it is what was written, with the same profile and EXIF.
    back = read_photo(path)
    assert np.array_equal(back.pixels, rgb16) and np.array_equal(back.alpha, grey16_image) and back.icc_profile == SRGB_ICC
    tags = Image.Exif()
    tags.load(back.exif)
    assert tags[0x010F] == "Nikon"


def _first_idat(path: Path) -> bytes:
    data = path.read_bytes()
    start = data.index(b"IDAT")
    return data[start + 4 : start + 6]


@pytest.mark.parametrize("bits", [8, 16])
def test_a_png_is_compressed_at_a_fast_level_and_stays_lossless(tmp_path, grey16_image, bits):
    # zlib 3, not 6: twice as fast for files a few per cent larger (bench/save_freeze.py).
    rgb16 = np.dstack((grey16_image, grey16_image[::-1], grey16_image[:, ::-1]))
    pixels = rgb16 if bits == 16 else to_8bit(rgb16)
    path = write_photo(Photo(pixels), tmp_path / "photo.png")
    cmf, flg = _first_idat(path)
    assert cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0  # a zlib stream
    assert flg >> 6 == 1  # zlib's "fast" levels (2 to 5); its default, 6, says 2
    if bits == 16:
        assert np.array_equal(_decode_png16(path)[1], rgb16)
    else:
        assert np.array_equal(read_photo(path).pixels, pixels)


@pytest.mark.parametrize("suffix", [".jpg", ".bmp", ".webp"])
def test_16bit_to_8bit_formats_rounds_correctly(tmp_path, suffix):
    values = np.array([[0, 128, 257, 32896, 65278, 65535]] * 8, dtype=np.uint16)
    assert to_8bit(values)[0].tolist() == [0, 0, 1, 128, 254, 255]
    options = {"quality": 100} if suffix != ".bmp" else {}
    back = read_photo(write_photo(Photo(values), tmp_path / f"v{suffix}", **options))
    assert back.pixels.dtype == np.uint8
    if suffix == ".bmp":
        assert np.array_equal(back.pixels if back.is_grey else back.pixels[..., 0], to_8bit(values))


@pytest.mark.parametrize("suffix, keeps_alpha", [(".png", True), (".tif", True), (".webp", True), (".jpg", False), (".bmp", False)])
def test_alpha_is_written_where_the_format_holds_it(tmp_path, rgb_image, grey_image, suffix, keeps_alpha):
    back = read_photo(write_photo(Photo(rgb_image, grey_image), tmp_path / f"a{suffix}"))
    assert back.pixels.shape == rgb_image.shape
    if keeps_alpha:
        assert back.alpha is not None and np.abs(back.alpha.astype(int) - grey_image).max() <= 2
    else:
        assert back.alpha is None


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_icc_and_exif_are_carried_over(tmp_path, rgb_image, suffix):
    photo = Photo(rgb_image, icc_profile=SRGB_ICC, exif=exif_bytes(make="Leica", model="M6"))
    back = read_photo(write_photo(photo, tmp_path / f"meta{suffix}"))
    assert back.icc_profile == SRGB_ICC
    tags = Image.Exif()
    tags.load(back.exif)
    assert tags[0x010F] == "Leica" and tags[0x0110] == "M6"


def camera_exif() -> bytes:
    """EXIF as a camera or phone writes it: descriptive tags, an EXIF directory and a GPS directory."""
    from PIL.TiffImagePlugin import IFDRational

    exif = Image.Exif()
    exif[0x010F] = "Leica"
    # DateTimeOriginal, ExposureTime, and the interoperability directory inside (its own offset in the file)
    exif[0x8769] = {0x9003: "1923:07:14 10:00:00", 0x829A: IFDRational(1, 250), 0xA005: {1: "R98"}}
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPSLatitudeRef, GPSLatitude
    return exif.tobytes()


@pytest.mark.parametrize("bits", [8, 16])
def test_a_camera_photo_saved_as_tiff_keeps_its_exif_and_gps_directories(tmp_path, rgb_image, bits):
    # Pillow's TIFF writer refused them ("cannot write: Error setting from dictionary"): no TIFF at all.
    pixels = rgb_image if bits == 8 else rgb_image.astype(np.uint16) * 257
    photo = with_software(Photo(pixels, exif=camera_exif()), "Colourise 1.0, model default")
    path = write_photo(photo, tmp_path / "camera.tif")
    with Image.open(path) as im:
        tags = im.getexif()
        assert tags[0x010F] == "Leica" and tags[0x0131] == "Colourise 1.0, model default"
        assert {tag: value for tag, value in tags.get_ifd(0x8769).items() if tag != 0xA005} == {0x9003: "1923:07:14 10:00:00", 0x829A: 0.004}
        assert tags.get_ifd(0xA005) == {1: "R98"}
        assert tags.get_ifd(0x8825) == {1: "N", 2: (51.0, 30.0, 0.0)}
    from engine.photo import saved_by_colourise

    assert saved_by_colourise(path)  # a colour version is known for one when a folder is opened again
    back = read_photo(path)
    assert back.pixels.dtype == pixels.dtype and np.array_equal(back.pixels, pixels)
    again = Image.Exif()
    again.load(read_photo(write_photo(back, tmp_path / "again.jpg")).exif)  # and on, from the TIFF to a JPEG
    assert again.get_ifd(0x8769)[0x9003] == "1923:07:14 10:00:00" and again.get_ifd(0x8825)[1] == "N"
    assert again.get_ifd(0xA005) == {1: "R98"}  # read while the TIFF was open, not a stale offset


def test_a_photo_too_large_for_a_classic_tiff_is_written_as_bigtiff_with_its_text_tags(tmp_path, rgb_image, monkeypatch):
    import engine.photo

    monkeypatch.setattr(engine.photo, "_CLASSIC_TIFF_BYTES", rgb_image.nbytes)  # as if it were over 4 GB
    path = write_photo(Photo(rgb_image, exif=camera_exif()), tmp_path / "huge.tif")
    assert path.read_bytes()[:4] == b"II+\x00"  # BigTIFF
    back = read_photo(path)
    assert np.array_equal(back.pixels, rgb_image)
    tags = Image.Exif()
    tags.load(back.exif)
    assert tags[0x010F] == "Leica" and 0x8769 not in tags and 0x8825 not in tags


def test_an_exif_directory_that_cannot_be_written_is_left_out_not_the_photo(tmp_path, rgb_image, monkeypatch):
    import engine.photo

    write_directory = engine.photo._directory_bytes

    def refuse_gps(values: dict, offset: int) -> bytes:
        if 1 in values:  # GPSLatitudeRef: the GPS directory
            raise ValueError("a value Pillow cannot write")
        return write_directory(values, offset)

    monkeypatch.setattr(engine.photo, "_directory_bytes", refuse_gps)
    path = write_photo(Photo(rgb_image, exif=camera_exif()), tmp_path / "camera.tif")
    with Image.open(path) as im:
        tags = im.getexif()
        assert tags[0x010F] == "Leica" and tags.get_ifd(0x8769)[0x9003] == "1923:07:14 10:00:00"
        assert 0x8825 not in tags and 0x8824 not in tags  # neither the pointer nor its stand-in
        assert np.array_equal(np.asarray(im), rgb_image)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow says so; the app routes it away from the terminal
def test_damaged_exif_does_not_stop_a_tiff_being_written(tmp_path, rgb_image):
    back = read_photo(write_photo(Photo(rgb_image, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff"), tmp_path / "d.tif"))
    assert np.array_equal(back.pixels, rgb_image)


def test_with_software_sets_the_tag_and_keeps_the_rest(rgb_image):
    tagged = with_software(Photo(rgb_image, exif=exif_bytes(make="Leica")), "Colourise 1.0, model default")
    tags = Image.Exif()
    tags.load(tagged.exif)
    assert tags[0x0131] == "Colourise 1.0, model default" and tags[0x010F] == "Leica"
    bare = with_software(Photo(rgb_image, exif=b"Exif\x00\x00 not a tiff header"), "Colourise")
    tags = Image.Exif()
    tags.load(bare.exif)
    assert dict(tags) == {0x0131: "Colourise"}


def test_grey_profile_is_not_attached_to_colour_pixels(tmp_path, rgb_image):
    grey_icc = bytearray(SRGB_ICC)
    grey_icc[16:20] = b"GRAY"
    back = read_photo(write_photo(Photo(rgb_image, icc_profile=bytes(grey_icc)), tmp_path / "x.png"))
    assert back.icc_profile is None


def test_format_argument_wins_over_suffix(tmp_path, rgb_image):
    path = write_photo(Photo(rgb_image), tmp_path / "photo.out", format="png")
    with Image.open(path) as im:
        assert im.format == "PNG"


def test_unknown_output_format_is_a_clear_error(tmp_path, rgb_image):
    with pytest.raises(PhotoError, match=r"photo\.xyz: cannot write: unsupported output format"):
        write_photo(Photo(rgb_image), tmp_path / "photo.xyz")
    assert list(tmp_path.iterdir()) == []


def test_write_does_not_overwrite_when_told_not_to(tmp_path, rgb_image):
    target = tmp_path / "keep.png"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        write_photo(Photo(rgb_image), target, overwrite=False)
    assert target.read_bytes() == b"precious" and len(list(tmp_path.iterdir())) == 1


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, rgb_image, monkeypatch):
    import engine.photo

    def broken_encoder(fh, *args):
        fh.write(b"half a photo")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine.photo, "_write_with_pillow", broken_encoder)
    target = tmp_path / "old.jpg"
    target.write_bytes(b"the old photo")
    with pytest.raises(PhotoError, match="old.jpg: cannot write: the disk is full"):
        write_photo(Photo(rgb_image), target)
    assert target.read_bytes() == b"the old photo" and [p.name for p in tmp_path.iterdir()] == ["old.jpg"]


def test_a_photo_too_wide_for_jpeg_or_webp_is_one_clear_line_and_png_takes_it(tmp_path, capfd):
    wide = Photo(np.full((2, 65_501, 3), 128, np.uint8))
    with pytest.raises(PhotoError) as caught:
        write_photo(wide, tmp_path / "wide.jpg")
    assert str(caught.value) == "wide.jpg: cannot write: JPEG holds at most 65,500 pixels a side; save it as PNG or TIFF"
    with pytest.raises(PhotoError, match="WEBP holds at most 16,383 pixels a side"):
        write_photo(Photo(np.full((16_384, 2, 3), 128, np.uint8)), tmp_path / "tall.webp")
    assert capfd.readouterr().err == ""  # (libjpeg once printed its own line on the terminal)
    assert read_photo(write_photo(wide, tmp_path / "wide.png")).width == 65_501 and sorted(p.name for p in tmp_path.iterdir()) == ["wide.png"]


@pytest.mark.parametrize("suffix", [".webp", ".png"])
def test_an_animation_is_refused_in_one_line_not_cut_to_its_first_frame(tmp_path, suffix):
    frames = [Image.fromarray(np.full((8, 8), value, np.uint8)) for value in (20, 120, 220)]
    path = tmp_path / f"wave{suffix}"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(PhotoError) as caught:
        read_photo(path)
    assert str(caught.value) == f"wave{suffix}: an animation (3 frames): Colourise colours still photos; save the frame you want as a photo"
    frames[0].save(path)  # one frame: a photo
    assert read_photo(path).width == 8


def test_a_multi_page_tiff_is_refused_in_one_line_not_cut_to_its_first_page(tmp_path, grey16_image):
    import tifffile

    pages = [Image.fromarray(np.full((8, 8), value, np.uint8)) for value in (20, 120, 220)]
    path = tmp_path / "scans.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:])
    with pytest.raises(PhotoError) as caught:
        read_photo(path)
    expected = "a multi-page TIFF ({} pages): Colourise colours single photos; save the page you want as its own file"
    assert str(caught.value) == "scans.tif: " + expected.format(3)
    # 16-bit grey + alpha, which tifffile reads rather than Pillow
    both = np.dstack((grey16_image, grey16_image[::-1]))
    tifffile.imwrite(tmp_path / "la16.tif", both, photometric="minisblack", extrasamples=["unassalpha"])
    tifffile.imwrite(tmp_path / "la16.tif", both, photometric="minisblack", extrasamples=["unassalpha"], append=True)
    with pytest.raises(PhotoError, match="la16.tif: " + re.escape(expected.format(2))):
        read_photo(tmp_path / "la16.tif")
    # A photo with a small preview of itself (a reduced-resolution page) is one photo.
    tifffile.imwrite(tmp_path / "previewed.tif", np.full((16, 12), 90, np.uint8))
    tifffile.imwrite(tmp_path / "previewed.tif", np.full((4, 3), 90, np.uint8), append=True, subfiletype=1)
    assert read_photo(tmp_path / "previewed.tif").pixels.shape == (16, 12)
    pages[0].save(path)  # one page: a photo
    assert read_photo(path).width == 8


def test_a_read_only_folder_is_said_as_such(tmp_path, rgb_image, monkeypatch):
    """Removing the temporary file failed there too, and its error ("read-only file system", without
    "cannot write") escaped in place of the write's."""
    import builtins
    import errno

    real_open = builtins.open

    def read_only(path, mode="r", *args, **kwargs):
        if "x" in mode:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kwargs)

    def refuse(self, missing_ok=False):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(builtins, "open", read_only)
    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(PhotoError) as caught:
        write_photo(Photo(rgb_image), tmp_path / "x.png")
    assert str(caught.value) == "x.png: cannot write: the folder is on a read-only file system"


def test_write_into_missing_folder_is_a_clear_error(tmp_path, rgb_image):
    with pytest.raises(PhotoError, match="cannot write: the folder does not exist"):
        write_photo(Photo(rgb_image), tmp_path / "nope" / "x.png")


# --- failures are one readable line -----------------------------------------------------------


def _bad_files(tmp_path: Path, make_photo, png_claiming_size) -> dict[str, tuple[Path, str]]:
    jpeg = io.BytesIO()
    Image.fromarray(make_photo.rgb(64, 64)).save(jpeg, "JPEG")
    png = io.BytesIO()
    Image.fromarray(make_photo.rgb(64, 64)).save(png, "PNG")
    gif = io.BytesIO()
    Image.fromarray(make_photo.grey()).save(gif, "GIF")
    files = {
        "empty.jpg": (b"", "empty file"),
        "text.jpg": (b"these are not the pixels you are looking for\n", "not an image"),
        "truncated.jpg": (jpeg.getvalue()[: len(jpeg.getvalue()) // 2], "truncated or corrupt"),
        "truncated.png": (png.getvalue()[: len(png.getvalue()) * 2 // 3], "truncated or corrupt"),
        "huge.png": (png_claiming_size(100_000, 100_000), r"too large: 10000\.0 megapixels \(limit \d+(\.\d+)?\)"),
        "anim.gif": (gif.getvalue(), "unsupported format GIF"),
    }
    out = {}
    for name, (content, reason) in files.items():
        (tmp_path / name).write_bytes(content)
        out[name] = (tmp_path / name, reason)
    return out


@pytest.mark.parametrize("name", ["empty.jpg", "text.jpg", "truncated.jpg", "truncated.png", "huge.png", "anim.gif"])
def test_bad_file_gives_one_line_naming_it(tmp_path, make_photo, png_claiming_size, name):
    path, reason = _bad_files(tmp_path, make_photo, png_claiming_size)[name]
    with pytest.raises(PhotoError, match=reason) as caught:
        read_photo(path)
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and "\n" not in message and caught.value.path == path


def test_missing_file_and_folder_are_clear(tmp_path):
    with pytest.raises(PhotoError, match="gone.jpg: no such file"):
        read_photo(tmp_path / "gone.jpg")
    with pytest.raises(PhotoError, match="is a folder"):
        read_photo(tmp_path)


# --- find_photos: the one rule for looking for photos -------------------------------------------
def test_find_photos_suffixes_recursion_hidden_and_named_files(tmp_path):
    from engine.photo import find_photos

    for name in ("a.jpe", "b.JFIF", "c.webp", "sub/d.tiff", ".hidden.jpg", ".secret/e.png", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = find_photos([tmp_path, tmp_path / "notes.txt", tmp_path / "a.jpe"])
    assert [f.relative.as_posix() for f in found] == ["a.jpe", "b.JFIF", "c.webp", "notes.txt", "sub/d.tiff"]
    assert [f.path.name for f in find_photos([tmp_path], exclude=[tmp_path / "sub"])] == ["a.jpe", "b.JFIF", "c.webp"]


def test_photos_colourise_saved_are_known_by_their_software_tag_in_every_format(tmp_path):
    from engine.photo import OUTPUT_FORMATS, Photo, colourise_software, saved_by_colourise, with_software

    rgb8 = np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    for pixels in (rgb8, rgb8.astype(np.uint16) * 257):  # 16-bit PNG and TIFF have writers of their own
        for alpha in (None, pixels[..., 0]):
            photo = with_software(Photo(pixels, alpha), "Colourise 0.1.0, model default")
            for suffix in [s for _label, s in OUTPUT_FORMATS.values() if s]:
                path = write_photo(photo, tmp_path / f"out{suffix}")
                assert saved_by_colourise(path), (suffix, pixels.dtype, alpha is not None)
                assert colourise_software(path) == "Colourise 0.1.0, model default"  # what made it, read back
    assert not saved_by_colourise(write_photo(with_software(Photo(rgb8), "GIMP 2.10"), tmp_path / "gimp.jpg"))
    assert colourise_software(tmp_path / "gimp.jpg") is None
    assert not saved_by_colourise(write_photo(Photo(rgb8), tmp_path / "plain.png"))
    assert not saved_by_colourise(write_photo(with_software(Photo(rgb8), "Colourise 0.1.0"), tmp_path / "x.bmp"))  # no room
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 nope")
    assert not saved_by_colourise(tmp_path / "broken.jpg") and not saved_by_colourise(tmp_path / "missing.png")


def test_find_photos_leaves_colour_versions_out_of_folders_but_not_when_named(tmp_path):
    from engine.photo import Photo, find_photos, sort_found, with_software

    grey = np.full((8, 8), 90, np.uint8)
    write_photo(Photo(grey), tmp_path / "scan.png")
    write_photo(with_software(Photo(np.dstack([grey] * 3)), "Colourise 0.1.0, model default"), tmp_path / "scan-colourised.png")
    kept, left_out, _ = sort_found(find_photos([tmp_path]))
    assert [f.path.name for f in kept] == ["scan.png"] and [f.path.name for f in left_out] == ["scan-colourised.png"]
    kept, left_out, _ = sort_found(find_photos([tmp_path, tmp_path / "scan-colourised.png"]))
    assert [f.path.name for f in kept] == ["scan.png", "scan-colourised.png"] and left_out == []  # (a name before its suffix)
    (tmp_path / "many").mkdir()
    for i in range(150):  # a folder large enough to have its headers read side by side, in runs: the same answer, in order
        write_photo(Photo(grey) if i % 3 else with_software(Photo(grey), "Colourise 0.1.0"), tmp_path / "many" / f"{i:03d}.png")
    kept, left_out, _ = sort_found(find_photos([tmp_path / "many"]))
    assert [f.path.name for f in left_out] == [f"{i:03d}.png" for i in range(0, 150, 3)] and len(kept) == 100


def test_a_jpegs_or_pngs_own_bytes_rule_it_out_as_a_colour_version_before_pillow_opens_it(tmp_path, monkeypatch):
    from engine import photo as photos
    from engine.photo import Photo, saved_by_colourise, with_software

    rgb8 = np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    camera = write_photo(Photo(rgb8, exif=exif_bytes(make="Nikon")), tmp_path / "camera.jpg")
    plain_png = write_photo(Photo(rgb8, exif=exif_bytes(make="Nikon")), tmp_path / "plain.png")
    ours = [write_photo(with_software(Photo(rgb8), "Colourise 0.1.0, model default"), tmp_path / f"ours{s}") for s in (".jpg", ".png", ".tif")]
    # Ours too, with 130 kB of segments before its EXIF: the walk runs past the bytes it reads, and Pillow decides.
    data = ours[0].read_bytes()
    padded = tmp_path / "ours-padded.jpg"
    padded.write_bytes(data[:2] + (b"\xff\xed" + struct.pack(">H", 65_000) + bytes(64_998)) * 2 + data[2:])
    opened = []
    real_open = photos.Image.open
    monkeypatch.setattr(photos.Image, "open", lambda fp, *a, **k: opened.append(Path(getattr(fp, "name", fp)).name) or real_open(fp, *a, **k))
    assert not saved_by_colourise(camera) and not saved_by_colourise(plain_png)
    assert opened == []  # ruled out by their bytes alone
    assert all(saved_by_colourise(path) for path in [*ours, padded])
    assert opened == ["ours.jpg", "ours.png", "ours.tif", "ours-padded.jpg"]


def test_a_before_and_after_puts_the_original_beside_its_colours_at_full_size():
    from engine.photo import Photo, side_by_side, with_software

    grey = np.tile(np.arange(0, 200, 10, dtype=np.uint8), (10, 1))  # 10 x 20, 8-bit
    colour = np.zeros((10, 20, 3), np.uint16)
    colour[..., 0] = 40000
    after = with_software(Photo(colour, alpha=np.full((10, 20), 65535, np.uint16)), "Colourise 0.1.0, model default")
    both = side_by_side(Photo(grey), after)
    assert both.pixels.shape == (10, 42, 3) and both.pixels.dtype == np.uint16 and both.alpha is None
    assert (both.pixels[:, :20, 1] == grey.astype(np.uint16) * 257).all() and (both.pixels[:, :20, 0] == both.pixels[:, :20, 2]).all()
    assert (both.pixels[:, 20:22] == 65535).all()  # a white gap (2 px at least)
    assert (both.pixels[:, 22:] == colour).all() and both.exif == after.exif
    rgba = Photo(np.dstack([np.full((300, 400, 3), 90, np.uint8), np.full((300, 400), 255, np.uint8)])[..., :3])
    assert side_by_side(rgba, Photo(np.full((300, 400, 3), 10, np.uint8))).pixels.shape == (300, 804, 3)  # the gap: 1 %


def test_find_photos_follows_linked_folders_and_ends_link_loops(tmp_path):
    from engine.photo import find_photos

    (tmp_path / "album" / "inner").mkdir(parents=True)
    (tmp_path / "album" / "inner" / "p.png").write_bytes(b"x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "q.png").write_bytes(b"x")
    (tmp_path / "album" / "inner" / "loop").symlink_to(tmp_path / "album", target_is_directory=True)
    (tmp_path / "album" / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    found = find_photos([tmp_path / "album"])
    assert sorted(f.relative.as_posix() for f in found) == ["inner/p.png", "linked/q.png"]


def test_find_photos_keeps_each_photo_once_by_what_links_point_to_and_orders_them_as_paths(tmp_path):
    from engine.photo import find_photos

    album = tmp_path / "album"
    (album / "a").mkdir(parents=True)
    for name in ("a/b.png", "a-c.png", "z.png"):
        (album / name).write_bytes(b"x")
    (album / "y-link.png").symlink_to(album / "z.png")  # the same photo under a second name
    (tmp_path / "outside.png").write_bytes(b"x")
    (album / "x-out.png").symlink_to(tmp_path / "outside.png")  # a photo elsewhere, linked in
    found = find_photos([album, tmp_path / "outside.png"])
    # the folder's own photos, then its sub-folder's ("a-c.png" before "a/b.png")
    relatives = [f.relative.as_posix() for f in found]
    assert relatives[:2] == ["a-c.png", "x-out.png"] and relatives[2:3] in (["y-link.png"], ["z.png"]) and relatives[3] == "a/b.png"
    assert [f.in_folder for f in found] == [True, False, True, True]  # also named by itself: the user asked for it


def test_find_photos_orders_them_as_a_file_manager_shows_them(tmp_path):
    """Sorted case-sensitively by path parts, a folder's upper-case names came first, then its lower-case ones with a
    sub-folder's photos among them ("family/…" between "cbsd68_…" and "mcmaster_…"), and "IMG_10" before "IMG_9"
    (found by QA). Now: a folder's own photos, then each sub-folder's, names compared without case, numbers as numbers."""
    from engine.photo import find_photos

    names = ["Zebra.jpg", "apple.jpg", "IMG_10.jpg", "img_9.jpg", "family/b.jpg", "family/A.jpg", "Archive/x.jpg", "zoo/top.jpg",
             "zoo/10/a.jpg", "zoo/2/a.jpg", "mcmaster_6.jpg", "grey16.tif", "grey.jpg"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [f.relative.as_posix() for f in find_photos([tmp_path])] == [
        "apple.jpg", "grey.jpg", "grey16.tif", "img_9.jpg", "IMG_10.jpg", "mcmaster_6.jpg", "Zebra.jpg",
        "Archive/x.jpg", "family/A.jpg", "family/b.jpg", "zoo/top.jpg", "zoo/2/a.jpg", "zoo/10/a.jpg",
    ]


# --- hardening: one pixel limit on every decoder, special files, full and read-only disks ------------


def _tiff_claiming_size(path: Path, width: int, height: int) -> Path:
    """A small 16-bit grey+alpha TIFF (Pillow cannot open it: the tifffile path) whose header claims ``width x height``."""
    import tifffile

    tifffile.imwrite(path, np.zeros((16, 16, 2), np.uint16), photometric="minisblack", extrasamples=["unassalpha"])
    data = bytearray(path.read_bytes())
    assert data[:4] == b"II*\x00"
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            struct.pack_into("<H" if kind == 3 else "<I", data, entry + 8, value)
    path.write_bytes(bytes(data))
    return path


def test_a_lying_16bit_tiff_is_refused_before_it_is_decoded(tmp_path):
    import resource

    path = _tiff_claiming_size(tmp_path / "huge.tif", 15000, 15000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(PhotoError, match=r"huge.tif: too large: 225\.0 megapixels \(limit \d+(\.\d+)?\)"):
        read_photo(path)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 100  # MB


@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.bmp", "a.webp", "a.tif", "rgb16.tif", "la16.tif", "grey16.png"])
def test_one_pixel_limit_holds_on_every_decoder_path(tmp_path, rgb_image, grey16_image, name, monkeypatch):
    import tifffile

    from engine import photo as photo_module

    path = tmp_path / name
    if name == "rgb16.tif":
        tifffile.imwrite(path, np.dstack([grey16_image] * 3), photometric="rgb")
    elif name == "la16.tif":
        tifffile.imwrite(path, np.dstack([grey16_image] * 2), photometric="minisblack", extrasamples=["unassalpha"])
    elif name == "grey16.png":
        write_photo(Photo(grey16_image), path)
    else:
        Image.fromarray(rgb_image).save(path)
    read_photo(path)  # fine under the default limit
    previous = photo_module.max_photo_pixels()
    photo_module.set_max_photo_pixels(100)  # the one setting; 24 x 32 photos are over it
    try:
        with pytest.raises(PhotoError, match=rf"{name}: too large: 0\.000768 megapixels \(limit 0\.0001\)$"):  # (said 0.0 and 0.0)
            read_photo(path)
    finally:
        photo_module.set_max_photo_pixels(previous)
    assert photo_module.max_photo_pixels() == previous and Image.MAX_IMAGE_PIXELS * 2 >= previous


def test_a_limit_set_below_a_tenth_of_a_megapixel_is_said_as_set(tmp_path, png_claiming_size, monkeypatch):
    from engine import photo as photo_module

    (tmp_path / "scan.png").write_bytes(png_claiming_size(4000, 3000))
    monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", "0.0001")
    previous = photo_module.max_photo_pixels()
    photo_module.set_max_photo_pixels(photo_module._limit_from_environment())
    try:
        with pytest.raises(PhotoError) as caught:
            read_photo(tmp_path / "scan.png")
    finally:
        photo_module.set_max_photo_pixels(previous)
    assert str(caught.value) == "scan.png: too large: 12.0 megapixels (limit 0.0001)"  # (said 'limit 0.0')
    assert photo_module._too_large(180_000_001, 180_000_000) == "too large: 180.0 megapixels (limit 180)"


def test_the_photo_limit_can_be_set_from_the_environment(monkeypatch):
    from engine import photo as photo_module

    monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", "12.5")
    assert photo_module._limit_from_environment() == 12_500_000
    monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", "lots")
    assert photo_module._limit_from_environment() == photo_module.DEFAULT_MAX_PHOTO_PIXELS
    for text, pixels in (("2.01", 2_010_000), ("0.000249", 249)):  # (2,009,999 and 248: 2.01 * 1e6 is 2009999.9999999998)
        monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", text)
        assert photo_module._limit_from_environment() == pixels
    for text in ("inf", "1e308"):  # (an OverflowError: importing the engine failed)
        monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", text)
        assert photo_module._limit_from_environment() == photo_module.DEFAULT_MAX_PHOTO_PIXELS
        assert photo_module.max_pixels_setting_problem() == (
            f"COLOURISE_MAX_MEGAPIXELS={text} is not a positive number of megapixels; the default, 180 MP, applies"
        )


def test_a_fifo_is_not_a_regular_file_and_is_never_opened(tmp_path):
    import os

    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(PhotoError, match="pipe.jpg: not a regular file"):
        read_photo(fifo)  # opening it would block forever


@pytest.mark.parametrize("name, bits", [("out.tif", 8), ("out.tif", 16), ("out.png", 16), ("out.png", 8), ("out.jpg", 8), ("out.webp", 8)])
def test_a_full_disk_says_so_in_one_line_without_library_noise(tmp_path, rgb_image, grey16_image, name, bits, full_disk, capfd):
    import engine.photo

    full_disk(engine.photo)
    photo = Photo(rgb_image) if bits == 8 else Photo(np.dstack([grey16_image] * 3))
    with pytest.raises(PhotoError) as caught:
        write_photo(photo, tmp_path / name)
    assert str(caught.value) == f"{name}: cannot write: the disk is full"
    assert list(tmp_path.iterdir()) == []
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""  # no libtiff lines on the terminal


def test_a_read_only_folder_names_the_photo_not_a_hidden_temporary(tmp_path, rgb_image, monkeypatch):
    import errno

    import engine.photo

    def read_only(file, mode="r", *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(file))

    monkeypatch.setattr(engine.photo, "open", read_only, raising=False)
    with pytest.raises(PhotoError) as caught:
        write_photo(Photo(rgb_image), tmp_path / "out.png")
    assert str(caught.value) == "out.png: cannot write: the folder is on a read-only file system"


def test_pillow_log_lines_join_the_files_reason_instead_of_the_terminal(tmp_path, grey_image, caplog):
    import tifffile

    path = tmp_path / "samples.tif"
    tifffile.imwrite(path, grey_image, photometric="minisblack")
    data = bytearray(path.read_bytes())
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag == 277:  # SamplesPerPixel
            struct.pack_into("<H", data, entry + 8, 4095)
            break
    else:
        raise AssertionError("no SamplesPerPixel tag to damage")
    path.write_bytes(bytes(data))
    with caplog.at_level("DEBUG"), pytest.raises(PhotoError) as caught:
        read_photo(path)
    assert "More samples per pixel than can be decoded: 4095" in str(caught.value)
    assert not [r for r in caplog.records if r.name.startswith("PIL") and r.levelno >= 30]  # debug output stays for who asked


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_named_like_a_photo_in_a_folder_is_never_opened_while_looking_for_colour_versions(tmp_path, past_pipes):
    import os

    from engine.photo import find_photos, saved_by_colourise, sort_found

    rgb8 = np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    write_photo(Photo(rgb8), tmp_path / "a.png")
    for name in ("pipe.png", "pipe.jpg"):
        os.mkfifo(tmp_path / name)
    kept, colourised, not_regular = past_pipes(lambda: sort_found(find_photos([tmp_path])), tmp_path / "pipe.png", tmp_path / "pipe.jpg")
    assert [f.path.name for f in kept] == ["a.png"] and colourised == []
    assert [f.path.name for f in not_regular] == ["pipe.jpg", "pipe.png"]  # no photos: left out
    assert not saved_by_colourise(tmp_path / "pipe.png")
    with pytest.raises(PhotoError, match="pipe.png: not a regular file"):
        read_photo(tmp_path / "pipe.png")


def _photo_of_size(path: Path, height: int, width: int) -> None:
    """A photo ``height`` x ``width`` at ``path``, written for the decoder path its name picks (as in the test above)."""
    import tifffile

    rng = np.random.default_rng(height * width)
    rgb8 = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    grey16 = rng.integers(0, 65536, (height, width), dtype=np.uint16)
    if path.name == "rgb16.tif":
        tifffile.imwrite(path, np.dstack([grey16] * 3), photometric="rgb")
    elif path.name == "la16.tif":
        tifffile.imwrite(path, np.dstack([grey16] * 2), photometric="minisblack", extrasamples=["unassalpha"])
    elif path.name == "grey16.png":
        write_photo(Photo(grey16), path)
    else:
        Image.fromarray(rgb8).save(path)


@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.bmp", "a.webp", "a.tif", "rgb16.tif", "la16.tif", "grey16.png"])
def test_a_photo_of_exactly_an_odd_limit_is_read_and_one_pixel_over_is_refused_in_our_words(tmp_path, name, monkeypatch):
    from engine import photo as photo_module

    monkeypatch.setenv("COLOURISE_MAX_MEGAPIXELS", "0.000105")  # 105 pixels: Pillow's own check is kept at half of it
    previous = photo_module.max_photo_pixels()
    photo_module.set_max_photo_pixels(photo_module._limit_from_environment())
    reasons = {}
    try:
        for height, width in ((7, 15), (2, 53), (9, 12)):  # 105 pixels, one over, and three over
            path = tmp_path / f"{height}x{width}" / name
            path.parent.mkdir()
            _photo_of_size(path, height, width)
            try:
                reasons[height * width] = read_photo(path).pixels.shape[:2]
            except PhotoError as exc:
                reasons[height * width] = exc.reason
    finally:
        photo_module.set_max_photo_pixels(previous)
    assert reasons == {
        105: (7, 15),  # (Pillow refused it: 'too large: 0.000105 megapixels (limit 0.000104)')
        106: "too large: 0.000106 megapixels (limit 0.000105)",
        108: "too large: 0.000108 megapixels (limit 0.000105)",
    }


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("name", ["rgb16.tif", "la16.tif"])  # read by tifffile: one Pillow opens first, one it cannot
def test_a_16bit_tiff_swapped_for_a_named_pipe_once_opened_is_read_from_the_file_opened(tmp_path, grey16_image, name, monkeypatch, past_pipes):
    import os

    import tifffile

    from engine import photo as photo_module

    path = tmp_path / name
    channels = 3 if name == "rgb16.tif" else 2
    extra = {} if channels == 3 else {"extrasamples": ["unassalpha"]}
    stored = np.dstack([grey16_image] * channels)
    tifffile.imwrite(path, stored, photometric="rgb" if channels == 3 else "minisblack", extratags=[(315, "s", 0, "Ada", True)], **extra)
    opened_once = photo_module.open_photo_file

    def open_then_swap(where):  # the regular file checked and opened; a named pipe in its place from then on
        fh = opened_once(where)
        os.unlink(where)
        os.mkfifo(where)
        return fh

    monkeypatch.setattr(photo_module, "open_photo_file", open_then_swap)
    photo = past_pipes(lambda: read_photo(path), path, why="opened the photo again by its name")
    assert photo.bit_depth == 16 and np.array_equal(photo.pixels, stored[..., 0] if channels == 2 else stored)
    exif = Image.Exif()
    exif.load(photo.exif)
    assert exif.get(315) == "Ada"  # its tags, read from the same file
