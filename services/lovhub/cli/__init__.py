"""The ``lovhub`` command: a thin shell over the library packages."""
