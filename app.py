from partyapp import create_app, freeze_heap

app = create_app()
freeze_heap()   # the app and its modules live as long as the process: see freeze_heap()
