from vertice_obs.cli import main

main()
