"""Personal data protection outside the domain: the key file, the subject vault, blind indexes."""
