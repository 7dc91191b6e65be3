from softmaxlab.cli import main

main()
