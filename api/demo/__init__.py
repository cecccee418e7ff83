"""``berkas demo``: a year of Kantor Imigrasi Malang (2024), generated through the domain's
commands so that the annual report reproduces the office's published figures."""
