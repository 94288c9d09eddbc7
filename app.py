from partyapp import create_app

app = create_app()
