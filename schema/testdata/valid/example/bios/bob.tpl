Hi, I am ${name}.
I help on ${upper(server)}%{ for i in range(3) }!%{ endfor }
