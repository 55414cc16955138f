Admin of ${server}.
Ask me anything about the server <3
