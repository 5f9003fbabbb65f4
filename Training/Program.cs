Console.Error.WriteLine("alexnet: the command-line app is not built yet.");
return 1;
