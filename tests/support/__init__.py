"""Helpers the tests share: a real `moorage serve` process, image builders."""
