from packgate.cli import main

main()
