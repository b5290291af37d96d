"""The bundled scenario files, installed as the package ``salessim.scenarios``."""
