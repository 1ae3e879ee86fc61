from retrieval.cli import main

main()
