from kommunalschutz.cli import main

main()
