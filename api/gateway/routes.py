def register(api) -> None:
    pass
