"""Request and response models: ``XCreate`` in, ``XPublic`` / ``XsPublic{data, count}`` out."""
