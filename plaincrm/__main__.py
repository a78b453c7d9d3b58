from plaincrm.cli import main

main()
