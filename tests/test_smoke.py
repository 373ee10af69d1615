from tests.support.images import image, push_image


def test_an_image_pushed_over_http_is_served_back_by_tag(http):
    img = image()
    assert push_image(http, "proj/app", img, "v1").status_code == 201
    got = http.get("/v2/proj/app/manifests/v1", headers={"Accept": img.media_type})
    assert got.status_code == 200
    assert got.content == img.manifest
    assert got.headers["Docker-Content-Digest"] == img.digest
